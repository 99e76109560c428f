import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore, redisStore, type SsmStore } from '../../packages/server/src/index.js';
import { type RedisProcess, startRedis } from '../support/redis.js';
import { request, ssmCall } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

/**
 * Random sequences of well-formed calls, many of them ill-advised (setups past the limit,
 * heartbeats and teardowns with rotated-out or torn-down tokens (a heartbeat repeated with the
 * token it just replaced gets the same answer), licence requests with another
 * content's session, the clock jumping past expiries), against the reference server on each
 * store, compared call by call with a model of the wire protocol: same status, same error code,
 * and the same number of live sessions per account after every call.
 */
const RUNS = Number(process.env.RX_SSM_SERVER_MODEL_RUNS ?? 200);
const HEARTBEAT_SECONDS = 5;
const LIFETIME_MS = HEARTBEAT_SECONDS * 2 * 1000;
const ACCOUNTS = ['ann', 'bob'] as const;
const CONTENTS = ['channel-1', 'channel-2'] as const;
const MAX_SESSIONS = 2;

type Command =
  | { kind: 'setup'; account: number; content: number }
  | { kind: 'heartbeat' | 'teardown' | 'license'; session: number; stale: boolean }
  | { kind: 'advance'; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('setup' as const),
      account: fc.nat(ACCOUNTS.length - 1),
      content: fc.nat(CONTENTS.length - 1),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('heartbeat' as const, 'teardown' as const, 'license' as const),
      session: fc.nat(20),
      stale: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(1000, LIFETIME_MS - 1, LIFETIME_MS, LIFETIME_MS + 1)
      .map((ms) => ({ kind: 'advance' as const, ms })),
  },
);

/** A session as the model knows it. */
interface Modelled {
  account: string;
  content: string;
  tokens: string[];
  expiresAt: number;
  gone: boolean;
  /** When its token was last rotated: a repeat of that heartbeat is answered for one period. */
  renewedAt?: number;
}

function describeStore(name: string, open: () => SsmStore) {
  describe(`on the ${name} store`, () => {
    let spec: SpecServer;
    let store: SsmStore;
    let serial = 0;
    beforeAll(async () => {
      store = open();
      spec = await startSpecServer({
        store,
        heartbeatSeconds: HEARTBEAT_SECONDS,
        sweepIntervalMs: false,
        clearKeys: { 'channel-1': [{ kid: 'a2lk', k: 'a2V5' }] },
      });
    });
    afterAll(async () => {
      await spec?.server.close();
      await store?.close();
    });

    it(`answers ${RUNS} random call sequences as the protocol says`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
          serial += 1;
          // Accounts of their own per sequence: nothing carries over between sequences.
          const accounts = ACCOUNTS.map((account) => `${account}-${name}-${serial}`);
          const tokens = new Map<string, string>();
          for (const account of accounts) {
            for (const content of CONTENTS) {
              tokens.set(
                `${account}/${content}`,
                await spec.contentToken({
                  accountId: account,
                  contentId: content,
                  maxSessions: MAX_SESSIONS,
                  ttlSeconds: 24 * 3600,
                }),
              );
            }
          }
          const sessions: Modelled[] = [];
          const alive = (s: Modelled) => !s.gone && s.expiresAt > spec.now();
          const liveOf = (account: string) =>
            sessions.filter((s) => s.account === account && alive(s)).length;

          for (const step of commands) {
            if (step.kind === 'advance') {
              spec.advance(step.ms);
            } else if (step.kind === 'setup') {
              const account = accounts[step.account] as string;
              const content = CONTENTS[step.content] as string;
              const answer = await ssmCall(spec.base, 'setup', tokens.get(`${account}/${content}`));
              if (liveOf(account) < MAX_SESSIONS) {
                expect(answer.status).toBe(200);
                const { sessionToken } = answer.body as { sessionToken: string };
                sessions.push({
                  account,
                  content,
                  tokens: [sessionToken],
                  expiresAt: spec.now() + LIFETIME_MS,
                  gone: false,
                });
              } else {
                expect(answer).toMatchObject({ status: 403, body: { errorCode: 1007 } });
              }
            } else if (sessions.length > 0) {
              const session = sessions[step.session % sessions.length] as Modelled;
              const current = session.tokens.at(-1) as string;
              // A stale token: one rotated out, if there is one, else one of another session.
              const stale =
                session.tokens.at(-2) ??
                sessions.find((other) => other !== session)?.tokens.at(-1) ??
                'A'.repeat(43);
              const token = step.stale ? stale : current;
              const valid = !step.stale && alive(session);
              if (step.kind === 'license') {
                const contentToken = tokens.get(`${session.account}/channel-1`) as string;
                const answer = await request(`${spec.origin}/license/clearkey`, {
                  method: 'POST',
                  headers: { 'nv-authorizations': `${contentToken},${token}` },
                  body: '{"kids":[]}',
                });
                const owner = sessions.find((s) => s.tokens.at(-1) === token && alive(s));
                if (!owner) {
                  expect(answer).toMatchObject({ status: 401, body: { errorCode: 1003 } });
                } else if (owner.account !== session.account || owner.content !== 'channel-1') {
                  expect(answer).toMatchObject({ status: 403, body: { errorCode: 1003 } });
                } else {
                  expect(answer.status).toBe(200);
                }
              } else {
                const answer = await ssmCall(spec.base, step.kind, token);
                const repeat =
                  step.kind === 'heartbeat' &&
                  token === session.tokens.at(-2) &&
                  alive(session) &&
                  spec.now() < (session.renewedAt ?? 0) + HEARTBEAT_SECONDS * 1000;
                if (repeat) {
                  // The heartbeat that replaced it, repeated: the same answer, nothing changes.
                  expect(answer).toMatchObject({ status: 200, body: { sessionToken: current } });
                } else if (!valid) {
                  // Refusing a stale token changes nothing, even when it is another session's.
                  const owner = sessions.find((s) => s.tokens.at(-1) === token && alive(s));
                  if (!owner) {
                    expect(answer).toMatchObject({ status: 401, body: { errorCode: 1003 } });
                  } else if (step.kind === 'teardown') {
                    expect(answer.status).toBe(200);
                    owner.gone = true;
                  } else {
                    expect(answer.status).toBe(200);
                    owner.tokens.push((answer.body as { sessionToken: string }).sessionToken);
                    owner.expiresAt = spec.now() + LIFETIME_MS;
                    owner.renewedAt = spec.now();
                  }
                } else if (step.kind === 'teardown') {
                  expect(answer.status).toBe(200);
                  session.gone = true;
                } else {
                  expect(answer.status).toBe(200);
                  session.tokens.push((answer.body as { sessionToken: string }).sessionToken);
                  session.expiresAt = spec.now() + LIFETIME_MS;
                  session.renewedAt = spec.now();
                }
              }
            }
            for (const account of accounts) {
              expect(await spec.server.liveSessions(account)).toBe(liveOf(account));
            }
          }
        }),
        { numRuns: RUNS },
      );
    }, 120_000);
  });
}

describeStore('memory', () => memoryStore());

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
describeStore('Redis', () => redisStore(redis.url, { keyPrefix: 'session-model:' }));
