import { afterEach, describe, expect, it, vi } from 'vitest';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { FIRST_EXPIRY_FLOOR_SECONDS, memoryStore, type SsmStore } from '../src/index.js';

let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

async function setUp(maxSessions = 1): Promise<string> {
  const response = await ssmCall(spec.base, 'setup', await spec.contentToken({ maxSessions }));
  expect(response.status).toBe(200);
  return (response.body as { sessionToken: string }).sessionToken;
}

async function expiries(): Promise<number> {
  const { body } = await request(`${spec.origin}/metrics`);
  return Number(/^rx_ssm_expiries_total (\d+)$/m.exec(String(body))?.[1]);
}

describe('a session that is not renewed', () => {
  it('lives until heartbeat × 2 seconds and expires then, freeing its slot', async () => {
    spec = await startSpecServer({ heartbeatSeconds: 5 });
    const first = await setUp();
    spec.advance(9_999);
    const renewed = await ssmCall(spec.base, 'heartbeat', first);
    expect(renewed.status).toBe(200);
    const second = (renewed.body as { sessionToken: string }).sessionToken;

    spec.advance(9_999);
    expect(await spec.server.liveSessions('alice')).toBe(1);
    expect(
      (await ssmCall(spec.base, 'setup', await spec.contentToken({ maxSessions: 1 }))).status,
    ).toBe(403);

    spec.advance(1);
    expect(await spec.server.liveSessions('alice')).toBe(0);
    expect(await ssmCall(spec.base, 'heartbeat', second)).toMatchObject({
      status: 401,
      body: { errorCode: 1003, message: expect.any(String) },
    });
    await setUp();
    expect(await expiries()).toBe(1);
  });

  it('is counted once as expired when a new setup finds it in the way', async () => {
    spec = await startSpecServer({ heartbeatSeconds: 1 });
    await setUp();
    spec.advance(2_000);
    await setUp();
    expect(await expiries()).toBe(1);
  });

  it('lives first for the greater of two periods and the first-expiry floor, then by periods', async () => {
    // The server's default floor (spec servers leave it out unless asked).
    spec = await startSpecServer({
      heartbeatSeconds: 1,
      firstExpiryFloorSeconds: FIRST_EXPIRY_FLOOR_SECONDS,
    });
    const first = await setUp();
    // A client that renews only after its first licence answer, which took 9 s.
    spec.advance(FIRST_EXPIRY_FLOOR_SECONDS * 1000 - 1);
    const renewed = await ssmCall(spec.base, 'heartbeat', first);
    expect(renewed.status).toBe(200);
    const second = (renewed.body as { sessionToken: string }).sessionToken;
    // From the first renewal on, two periods.
    spec.advance(2_000);
    expect(await ssmCall(spec.base, 'heartbeat', second)).toMatchObject({
      status: 401,
      body: { errorCode: 1003 },
    });
  });

  it('with a period longer than half the floor, lives first for two periods', async () => {
    spec = await startSpecServer({
      heartbeatSeconds: FIRST_EXPIRY_FLOOR_SECONDS,
      firstExpiryFloorSeconds: FIRST_EXPIRY_FLOOR_SECONDS,
    });
    const first = await setUp();
    spec.advance(FIRST_EXPIRY_FLOOR_SECONDS * 2000);
    expect((await ssmCall(spec.base, 'heartbeat', first)).status).toBe(401);
  });

  it('is removed by the background sweep, which stops on close', async () => {
    const store = memoryStore();
    const sweeps = vi.fn();
    const watched: SsmStore = {
      ...store,
      sweep: (now) => {
        sweeps(now);
        return store.sweep(now);
      },
    };
    spec = await startSpecServer({ store: watched, sweepIntervalMs: 10 });
    await setUp();
    spec.advance(10_000);
    await vi.waitFor(() => expect(sweeps).toHaveBeenCalledWith(spec.now()));
    expect(await store.sweep(spec.now())).toEqual({ expired: 0, live: 0 });
    await spec.server.close();
    const calls = sweeps.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sweeps.mock.calls.length).toBe(calls);
    await store.close();
  });
});
