import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers, killGroup } from '../../../spec/support/process-group.js';
import { freePort, type RedisProcess, startRedis } from '../../../spec/support/redis.js';
import { ssmCall } from '../../../spec/support/ssm-http.js';
import { mintContentToken } from '../src/index.js';

const BIN = fileURLToPath(new URL('../bin/rx-ssm.js', import.meta.url));
const SECRET = 'workers-spec-secret-of-thirty-two-bytes';

let redis: RedisProcess;
beforeAll(async () => {
  if (!existsSync(new URL('../dist/cli.js', import.meta.url))) {
    throw new Error(
      'packages/server/dist is missing: npm test builds it (pretest), or run npm run build',
    );
  }
  redis = await startRedis();
});
afterAll(() => redis?.stop());

let server: ChildProcess | undefined;
afterEach(() => killGroup(server?.pid));

/** `rx-ssm serve …` in a process group of its own; resolves its output so far and its exit. */
function serve(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'serve', '--log-format', 'json', ...args], {
    env: { ...process.env, RX_SSM_SECRET: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  server = child;
  const output = { out: '', err: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.err += chunk.toString()));
  return { child, output, exited: once(child, 'exit') as Promise<[number | null]> };
}

describe('rx-ssm serve --workers', () => {
  it('refuses the memory store with a clear message', async () => {
    const { output, exited } = serve(['--port', '0', '--workers', '2']);
    const [code] = await exited;
    expect(code).toBe(1);
    expect(output.err).toMatch(
      /--workers needs a store the processes share \(--redis or --redis-cluster\)/,
    );
  });

  it('runs N processes on one port with Redis; the limit is shared; SIGTERM drains a request in flight', async () => {
    const port = await freePort();
    const { child, output } = serve([
      '--port',
      String(port),
      '--workers',
      '2',
      '--redis',
      redis.url,
      '--secret',
      SECRET,
      '--response-delay',
      '300',
    ]);
    await expect.poll(() => output.out, { timeout: 15_000 }).toMatch(/with 2 worker processes/);
    // The primary and its two workers.
    expect((await groupMembers(child.pid ?? 0)).length).toBe(3);

    const base = `http://127.0.0.1:${port}/v1`;
    const token = await mintContentToken({
      secret: SECRET,
      accountId: 'w',
      contentId: 'c',
      maxSessions: 3,
    });
    const setups = await Promise.all(
      Array.from({ length: 8 }, () => ssmCall(base, 'setup', token)),
    );
    expect(setups.filter((r) => r.status === 200)).toHaveLength(3);
    expect(setups.filter((r) => r.status === 403)).toHaveLength(5);

    // A request in flight when the stop comes is answered before the workers exit.
    const granted = setups.find((r) => r.status === 200)?.body as { sessionToken: string };
    const sessionToken = granted.sessionToken;
    const inFlight = ssmCall(base, 'teardown', sessionToken);
    await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    await expect.poll(() => groupMembers(child.pid ?? 0), { timeout: 10_000 }).toEqual([]);
  });

  it('auto runs one worker per core', async () => {
    const { child, output } = serve(['--port', '0', '--workers', 'auto', '--redis', redis.url]);
    await expect.poll(() => output.out, { timeout: 15_000 }).toMatch(/with \d+ worker processes/);
    const workers = Number(/with (\d+) worker/.exec(output.out)?.[1]);
    expect((await groupMembers(child.pid ?? 0)).length).toBe(workers + 1);
    child.kill('SIGTERM');
    await expect.poll(() => groupMembers(child.pid ?? 0), { timeout: 10_000 }).toEqual([]);
  });
});
