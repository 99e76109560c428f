import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { type RunningCommand, startCommand } from '../support/commands.js';
import { groupMembers } from '../support/process-group.js';

let npm: RunningCommand | undefined;
afterEach(() => npm?.stop());

it('npm start, stopped with SIGTERM to npm alone (no terminal), leaves no process behind', async () => {
  npm = startCommand('npm', ['start', '--silent'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { PORT: '0' },
  });
  const [, url = ''] = await npm.waitFor(/rx-ssm demo: (http:\/\/\S+)/, 30_000);
  expect((await fetch(new URL('/healthz', url))).status).toBe(200);
  const pgid = npm.child.pid ?? 0;
  expect((await groupMembers(pgid)).length).toBeGreaterThan(1);

  npm.child.kill('SIGTERM');
  await expect.poll(() => groupMembers(pgid), { timeout: 10_000, interval: 200 }).toEqual([]);
  await expect(fetch(url)).rejects.toThrow();
}, 60_000);
