import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { freePort } from '../support/redis.js';

const run = promisify(execFile);

it('the README’s curl walk-through works as written', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- walkthrough -->\n```sh\n([\s\S]*?)\n```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  // The same commands on a free port, so the spec never meets a server already running.
  const port = String(await freePort());
  const script = `set -e\n${block?.replaceAll('8787', port)}`;
  const { stdout } = await run('bash', ['-c', script], {
    cwd: new URL('../..', import.meta.url),
    timeout: 30_000,
  });
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('403');
  expect(JSON.parse(lines[1] ?? '')).toBeTypeOf('object');
}, 40_000);
