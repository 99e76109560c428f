import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { groupMembers, killGroup } from '../support/process-group.js';

let npm: ChildProcess | undefined;
afterEach(() => killGroup(npm?.pid));

/** Resolves the demo's URL from its first lines of output. */
function demoUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /rx-ssm demo: (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
}

it('npm start, stopped with SIGTERM to npm alone (no terminal), leaves no process behind', async () => {
  npm = spawn('npm', ['start', '--silent'], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const url = await demoUrl(npm);
  expect(
    (await fetch(new URL('/healthz', url).href.replace('/healthz', '/ssm/v1/healthz'))).status,
  ).toBeDefined();
  const pgid = npm.pid ?? 0;
  expect((await groupMembers(pgid)).length).toBeGreaterThan(1);

  npm.kill('SIGTERM');
  await expect.poll(() => groupMembers(pgid), { timeout: 10_000, interval: 200 }).toEqual([]);
  await expect(fetch(url)).rejects.toThrow();
}, 60_000);
