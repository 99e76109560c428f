// Regression: every GET /metrics swept the whole store to count live sessions (a SCAN of every
// session key in Redis), so scraping cost grew with the number of sessions. The stores now keep
// the live count cheap: /metrics makes the same store work for 10 sessions as for 3,000.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../spec/support/redis.js';
import { request } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { memoryStore, redisStore, type SsmStore } from '../src/index.js';

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

function liveGauge(text: unknown): number {
  return Number(/^rx_ssm_live_sessions (\d+)$/m.exec(String(text))?.[1]);
}

/** Admits `n` sessions straight into the store, as setups would. */
async function fill(store: SsmStore, spec: SpecServer, n: number, from: number) {
  for (let batch = 0; batch < n; batch += 100) {
    await admitAll(store, spec, Math.min(100, n - batch), from + batch);
  }
}

async function admitAll(store: SsmStore, spec: SpecServer, n: number, from: number) {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      store.admit(
        {
          sessionToken: `${((from + i) % 256).toString(16).padStart(2, '0')}metrics-${from + i}-${'x'.repeat(24)}`,
          session: {
            accountId: `metrics-${from + i}`,
            contentId: 'c',
            counted: true,
            expiresAt: spec.now() + 10_000,
          },
          maxSessions: 1,
        },
        spec.now(),
      ),
    ),
  );
}

it('makes as many Redis commands for one scrape with 10 sessions as with 3,000', async () => {
  const store = redisStore(redis.url, { keyPrefix: 'metrics-cost:', commandTimeoutMs: 10_000 });
  const spec = await startSpecServer({ store, sweepIntervalMs: false });
  const inspect = new Redis(redis.url);
  const commandsPerScrape = async () => {
    await inspect.config('RESETSTAT');
    const scrape = await request(`${spec.origin}/metrics`);
    const stats = String(await inspect.info('commandstats'));
    const calls = [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    // The INFO call itself is counted once.
    return { live: liveGauge(scrape.body), commands: calls - 1 };
  };
  await fill(store, spec, 10, 0);
  const few = await commandsPerScrape();
  await fill(store, spec, 2990, 10);
  const many = await commandsPerScrape();
  expect(few.live).toBe(10);
  expect(many.live).toBe(3000);
  expect(many.commands).toBe(few.commands);
  inspect.disconnect();
  await spec.server.close();
  await store.close();
});

it('neither sweeps nor counts accounts on the memory store', async () => {
  const inner = memoryStore();
  const calls: string[] = [];
  const store: SsmStore = {
    ...inner,
    sweep: (now) => {
      calls.push('sweep');
      return inner.sweep(now);
    },
    count: (accountId, now) => {
      calls.push('count');
      return inner.count(accountId, now);
    },
    live: (now) => {
      calls.push('live');
      return inner.live(now);
    },
  };
  const spec = await startSpecServer({ store, sweepIntervalMs: false });
  await fill(store, spec, 100, 0);
  expect(liveGauge((await request(`${spec.origin}/metrics`)).body)).toBe(100);
  expect(calls).toEqual(['live']);
  await spec.server.close();
  await inner.close();
});
