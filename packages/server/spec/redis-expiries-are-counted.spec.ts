// Regression: with Redis, rx_ssm_expiries_total stayed at 0. Session keys carried a TTL equal to
// their lifetime, so Redis dropped them before any sweep could see them expire, and the sweep
// only counted keys it found. Expiry is now decided by an expiry index scored by the server's
// clock, keys outlive their sessions, and the sweep counts each expiry once.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type RedisProcess, startRedis } from '../../../spec/support/redis.js';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { redisStore, type SsmStore } from '../src/index.js';

const HEARTBEAT_SECONDS = 1;
const LIFETIME_MS = HEARTBEAT_SECONDS * 2 * 1000;

let redis: RedisProcess;
let store: SsmStore;
let spec: SpecServer;
beforeAll(async () => {
  redis = await startRedis();
  store = redisStore(redis.url, { keyPrefix: 'expiries:' });
  spec = await startSpecServer({ store, heartbeatSeconds: HEARTBEAT_SECONDS, sweepIntervalMs: 50 });
});
afterAll(async () => {
  await spec?.server.close();
  await store?.close();
  await redis?.stop();
});

async function metric(name: string): Promise<number> {
  const { body } = await request(`${spec.origin}/metrics`);
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(String(body))?.[1]);
}

it('counts each expiry once, even after the real time of the sessions has passed', async () => {
  const counted = await spec.contentToken({ accountId: 'expiring', maxSessions: 5 });
  const free = await spec.contentToken({ accountId: 'expiring', sessionControlEnabled: false });
  for (const token of [counted, counted, free]) {
    expect((await ssmCall(spec.base, 'setup', token)).status).toBe(200);
  }
  expect(await metric('rx_ssm_live_sessions')).toBe(3);
  // Let the sessions' lifetime pass in real time too, as it would in production: Redis would
  // drop keys whose TTL were that lifetime.
  const lifetimeOver = Date.now() + LIFETIME_MS + 200;
  await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(lifetimeOver), {
    timeout: LIFETIME_MS + 2000,
    interval: 100,
  });
  spec.advance(LIFETIME_MS);
  await vi.waitFor(async () => expect(await metric('rx_ssm_expiries_total')).toBe(3), {
    timeout: 5000,
    interval: 50,
  });
  expect(await metric('rx_ssm_live_sessions')).toBe(0);
  expect(await spec.server.liveSessions('expiring')).toBe(0);
  // Counted once: more sweeps find nothing more.
  spec.advance(LIFETIME_MS);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await metric('rx_ssm_expiries_total')).toBe(3);
});
