import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';

let npm: ChildProcess | undefined;
afterEach(() => {
  // Whatever happened, nothing of this spec outlives it: the whole process group goes.
  if (npm?.pid) {
    try {
      process.kill(-npm.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

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

/** The pids of a process group. */
async function groupMembers(pgid: number): Promise<number[]> {
  const ps = spawn('ps', ['-eo', 'pid=,pgid=']);
  let text = '';
  ps.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await once(ps, 'exit');
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, group]) => group === pgid)
    .map(([pid]) => pid ?? 0);
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
