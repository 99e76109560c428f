// Regression: with Redis frozen (not down) past the command timeout, setups and heartbeats got
// 503/1005, "nothing was changed", yet Redis ran every queued script once it resumed: phantom
// sessions took slots, and heartbeats that got 503 had rotated the token, so their retry was
// refused. Every script now carries a deadline and changes nothing past it.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisStore, type SsmStore } from '../../packages/server/src/index.js';
import {
  routeOfToken,
  SESSION_KEY_LENGTH,
} from '../../packages/server/src/tokens/session-token.js';
import { type RedisProcess, startRedis } from '../support/redis.js';
import { request, type SpecResponse, ssmCall } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

const COMMAND_TIMEOUT_MS = 300;
const PREFIX = 'stall:';
const ROUNDS = 3;
const SETUPS = 20;
const HOLDERS = 10;

let redis: RedisProcess;
let store: SsmStore;
let spec: SpecServer;
let inspect: Redis;
beforeAll(async () => {
  redis = await startRedis();
  store = redisStore(redis.url, { keyPrefix: PREFIX, commandTimeoutMs: COMMAND_TIMEOUT_MS });
  spec = await startSpecServer({ store, sweepIntervalMs: false });
  inspect = new Redis(redis.url);
});
afterAll(async () => {
  inspect?.disconnect();
  await spec?.server.close();
  await store?.close();
  await redis?.stop();
});

const tokenOf = (response: SpecResponse) =>
  (response.body as { sessionToken: string }).sessionToken;
const unavailable = { status: 503, body: { errorCode: 1005, message: expect.any(String) } };

function setup(contentToken: string, idempotencyKey: string): Promise<SpecResponse> {
  return request(`${spec.base}/sessions/setup`, {
    method: 'POST',
    headers: { 'nv-authorizations': contentToken, 'Idempotency-Key': idempotencyKey },
    body: '{}',
  });
}

it(`a 503 changes nothing: ${ROUNDS} rounds of setups and heartbeats in flight while Redis is frozen`, async () => {
  const accountId = 'stalled';
  const contentToken = await spec.contentToken({ accountId, maxSessions: 1000 });
  let held = 0;
  let holders = await Promise.all(
    Array.from({ length: HOLDERS }, async () =>
      tokenOf(await ssmCall(spec.base, 'setup', contentToken)),
    ),
  );
  held += HOLDERS;
  let phantoms = 0;
  let rotatedDespite503 = 0;

  for (let round = 0; round < ROUNDS; round += 1) {
    const keys = Array.from({ length: SETUPS }, (_, i) => `round-${round}-setup-${i}`);
    // Fired, then Redis frozen in the same tick: every call reaches Redis while it is frozen.
    const storm = Promise.all([
      Promise.all(keys.map((key) => setup(contentToken, key))),
      Promise.all(holders.map((token) => ssmCall(spec.base, 'heartbeat', token))),
    ]);
    redis.freeze();
    const [setups, heartbeats] = await storm;
    // Past the command timeout (each call has already failed by it), then Redis runs the backlog.
    await new Promise((resolve) => setTimeout(resolve, COMMAND_TIMEOUT_MS));
    redis.thaw();
    await inspect.ping();

    for (const answer of [...setups, ...heartbeats]) {
      if (answer.status !== 200) expect(answer).toMatchObject(unavailable);
    }
    const admitted = setups.filter((answer) => answer.status === 200).length;
    phantoms += (await spec.server.liveSessions(accountId)) - (held + admitted);
    for (const [i, answer] of heartbeats.entries()) {
      const holder = holders[i] ?? '';
      // The session's hash is under the first characters its tokens share; `v` is its token.
      const session = `${PREFIX}{${routeOfToken(holder)}}s:${holder.slice(0, SESSION_KEY_LENGTH)}`;
      const kept = (await inspect.hget(session, 'v')) === holder;
      if (answer.status !== 200 && !kept) rotatedDespite503 += 1;
    }
    held += admitted;

    // Retries now work: a setup with its key takes its slot once, a heartbeat with its old token
    // renews, and repeating that heartbeat gets the same answer.
    for (const [i, answer] of setups.entries()) {
      if (answer.status === 200) continue;
      expect((await setup(contentToken, keys[i] as string)).status).toBe(200);
      expect(tokenOf(await setup(contentToken, keys[i] as string))).toBeDefined();
      held += 1;
    }
    holders = await Promise.all(
      heartbeats.map(async (answer, i) => {
        if (answer.status === 200) return tokenOf(answer);
        const retried = await ssmCall(spec.base, 'heartbeat', holders[i]);
        expect(retried.status).toBe(200);
        const repeated = await ssmCall(spec.base, 'heartbeat', holders[i]);
        expect(tokenOf(repeated)).toBe(tokenOf(retried));
        return tokenOf(retried);
      }),
    );
    expect(await spec.server.liveSessions(accountId)).toBe(held);
  }

  expect({ phantoms, rotatedDespite503 }).toEqual({ phantoms: 0, rotatedDespite503: 0 });
  expect(held).toBe(HOLDERS + ROUNDS * SETUPS);
});
