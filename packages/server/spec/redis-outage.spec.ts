import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type RedisProcess, startRedis } from '../../../spec/support/redis.js';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { redisStore, type SsmStore } from '../src/index.js';

let redis: RedisProcess;
let store: SsmStore;
let spec: SpecServer;

beforeAll(async () => {
  redis = await startRedis();
  store = redisStore(redis.url);
  spec = await startSpecServer({ store });
});

afterAll(async () => {
  await spec?.server.close();
  await store?.close();
  await redis?.stop();
});

it('answers 503 at once while Redis is down, and recovers by itself when it is back', async () => {
  const contentToken = await spec.contentToken();
  const setup = await ssmCall(spec.base, 'setup', contentToken);
  expect(setup.status).toBe(200);
  const sessionToken = (setup.body as { sessionToken: string }).sessionToken;

  await redis.stop();
  const unavailable = { status: 503, body: { errorCode: 1005, message: expect.any(String) } };
  const started = performance.now();
  expect(await ssmCall(spec.base, 'setup', contentToken)).toMatchObject(unavailable);
  expect(await ssmCall(spec.base, 'heartbeat', sessionToken)).toMatchObject(unavailable);
  expect(await ssmCall(spec.base, 'teardown', sessionToken)).toMatchObject(unavailable);
  expect(await request(`${spec.origin}/healthz`)).toMatchObject(unavailable);
  expect(performance.now() - started).toBeLessThan(1500);
  // A bad token is still refused for what it is, without the store.
  expect(await ssmCall(spec.base, 'setup', 'garbage')).toMatchObject({ status: 401 });

  await redis.start();
  await vi.waitFor(
    async () => {
      expect((await ssmCall(spec.base, 'setup', contentToken)).status).toBe(200);
    },
    { timeout: 5000, interval: 100 },
  );
  expect((await request(`${spec.origin}/healthz`)).status).toBe(200);
});
