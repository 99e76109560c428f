import { afterAll, beforeAll, expect, it } from 'vitest';
import { mintContentToken } from '../../src/server/index.js';
import { type RedisProcess, startRedis } from '../support/redis.js';
import {
  bundleServerProcess,
  type ServerProcess,
  startServerProcess,
} from '../support/server-process.js';
import { ssmCall } from '../support/ssm-http.js';

const secret = 'two-instances-secret-of-32-bytes!!';
let redis: RedisProcess;
let servers: ServerProcess[] = [];
let removeBundle: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const [started, bundle] = await Promise.all([startRedis(), bundleServerProcess()]);
  redis = started;
  removeBundle = bundle.remove;
  servers = await Promise.all(
    [0, 1].map(() => startServerProcess(bundle.file, { redisUrl: redis.url, secret })),
  );
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await redis?.stop();
  await removeBundle?.();
});

it('two server processes on one Redis enforce one limit under 500 concurrent setups', async () => {
  const [a, b] = servers as [ServerProcess, ServerProcess];
  expect(a.url).not.toBe(b.url);
  const token = await mintContentToken({
    secret,
    accountId: 'shared',
    contentId: 'channel-1',
    maxSessions: 3,
  });
  const responses = await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      ssmCall(`${(i % 2 === 0 ? a : b).url}/v1`, 'setup', token),
    ),
  );
  const admitted = responses.filter((response) => response.status === 200);
  const refused = responses.filter((response) => response.status === 403);
  expect(admitted).toHaveLength(3);
  expect(refused).toHaveLength(497);
  for (const response of refused) {
    expect(response.body).toEqual({
      errorCode: 1007,
      message: expect.any(String),
      rule: 'maxSessions',
      sessions: expect.any(Array),
    });
    expect((response.body as { sessions: unknown[] }).sessions).toHaveLength(3);
  }

  // A session set up on one process is renewed and torn down on the other.
  const first = (admitted[0]!.body as { sessionToken: string }).sessionToken;
  const renewed = await ssmCall(`${a.url}/v1`, 'heartbeat', first);
  expect(renewed.status).toBe(200);
  const next = (renewed.body as { sessionToken: string }).sessionToken;
  // The repeat of that heartbeat on the other process gets the same answer: the record is shared.
  expect((await ssmCall(`${b.url}/v1`, 'heartbeat', first)).body).toMatchObject({
    sessionToken: next,
  });
  expect((await ssmCall(`${b.url}/v1`, 'teardown', first)).status).toBe(401);
  expect((await ssmCall(`${b.url}/v1`, 'teardown', next)).status).toBe(200);
  expect((await ssmCall(`${a.url}/v1`, 'setup', token)).status).toBe(200);
  expect((await ssmCall(`${b.url}/v1`, 'setup', token)).status).toBe(403);
});
