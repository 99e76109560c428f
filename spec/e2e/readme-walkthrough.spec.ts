import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { groupMembers, killGroup } from '../support/process-group.js';
import { freePort } from '../support/redis.js';

let shell: ChildProcess | undefined;
afterEach(() => killGroup(shell?.pid));

it('the README’s curl walk-through works as written and stops its own server', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- walkthrough -->\n```sh\n([\s\S]*?)\n```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  // The same commands on a free port, so the spec never meets a server already running.
  const port = String(await freePort());
  shell = spawn('bash', ['-c', `set -e\n${block?.replaceAll('8787', port)}`], {
    cwd: new URL('../..', import.meta.url),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  shell.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  shell.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(shell, 'exit')) as [number | null];
  expect(code, stderr).toBe(0);

  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('403');
  expect(JSON.parse(lines[1] ?? '')).toBeTypeOf('object');
  // The walk-through's own `kill %1; wait` stopped the server: its group is empty, the port free.
  expect(await groupMembers(shell.pid ?? 0)).toEqual([]);
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
}, 40_000);
