import { expect } from 'vitest';
import {
  type HeldSession,
  mintContentToken,
  type SsmStore,
  StoreUnavailableError,
} from '../../src/server/index.js';
import { limitDecision } from '../../src/server/limit-decision.js';
import { deviceHashOf } from '../../src/server/session-device.js';
import { type SpecResponse, setupWith, ssmCall } from './ssm-http.js';

/** Where a policy storm runs: servers sharing one store, and that store to read it back. */
export interface PolicyStormTarget {
  /** `{origin}/v1` of each server; setups go round-robin. */
  bases: string[];
  secret: string;
  /** The store the servers share, read directly to check the rules. */
  store: SsmStore;
  /** The servers' clock, ms since the epoch. */
  now(): number;
}

const ACCOUNTS = 50;
const SETUPS = 1000;
/** The mixed rules of every account. */
const LIMITS = {
  maxSessions: 3,
  maxDevices: 2,
  maxSessionsPerContent: 1,
  maxSessionsPerGroup: 1,
} as const;
/** Five contents, the last two in one group; four devices, one of them "no device". */
const CONTENTS = ['news', 'film', 'kids', 'f1', 'golf'];
const groupOf = (contentId: string) =>
  contentId === 'f1' || contentId === 'golf' ? 'sports' : undefined;
const DEVICES = ['tv', 'phone', 'laptop', undefined];

/** What setup `n` of a round asks for. */
function setupPlan(round: string, n: number) {
  const accountId = `${round}-account-${n % ACCOUNTS}`;
  const k = Math.floor(n / ACCOUNTS);
  const contentId = CONTENTS[(k + n) % CONTENTS.length] ?? 'news';
  const deviceId = DEVICES[(k * 3 + n) % DEVICES.length];
  return { accountId, contentId, deviceId };
}

/** The rules hold among `sessions`, one account's live ones. */
function expectWithinRules(sessions: readonly HeldSession[], label: string): void {
  expect(sessions.length, label).toBeLessThanOrEqual(LIMITS.maxSessions);
  const devices = new Set(sessions.map((held) => held.deviceHash ?? held.sessionId));
  expect(devices.size, label).toBeLessThanOrEqual(LIMITS.maxDevices);
  for (const contentId of CONTENTS) {
    const same = sessions.filter((held) => held.contentId === contentId).length;
    expect(same, label).toBeLessThanOrEqual(LIMITS.maxSessionsPerContent);
  }
  const sports = sessions.filter((held) => held.contentGroup === 'sports').length;
  expect(sports, label).toBeLessThanOrEqual(LIMITS.maxSessionsPerGroup);
}

/**
 * A call answered 503, or whose answer was lost with its connection (a kept-alive connection the
 * loaded server closed as the request went out), is made again, as a client would, up to 20
 * times. Each call here may be made again: setups carry an Idempotency-Key, a repeated
 * heartbeat gets the same answer, a repeated teardown is allowed for below.
 */
async function untilAnswered(call: () => Promise<SpecResponse>): Promise<SpecResponse> {
  let lost: unknown;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      const answer = await call();
      if (answer.status !== 503) return answer;
    } catch (error) {
      // fetch rejects with a TypeError when the connection fails; anything else is a bug here.
      if (!(error instanceof TypeError)) throw error;
      lost = error;
    }
  }
  throw new Error('20 answers of 503 or lost answers in a row', { cause: lost });
}

type SetupAnswer = {
  sessionToken: string;
  sessionId: string;
  evicted?: Array<{ sessionId: string }>;
};

/**
 * One round of {@link SETUPS} concurrent setups over {@link ACCOUNTS} accounts, all with the
 * mixed rules and `onLimit`. A 503 changed nothing and is sent again, as a client would.
 * Answers every setup's plan and answer, and how many 503s were sent again.
 */
async function stormRound(
  target: PolicyStormTarget,
  round: string,
  onLimit: 'deny' | 'evict-oldest',
) {
  const tokens = new Map<string, string>();
  const plans = Array.from({ length: SETUPS }, (_, n) => setupPlan(round, n));
  await Promise.all(
    plans.map(async ({ accountId, contentId }) => {
      const key = `${accountId}/${contentId}`;
      if (tokens.has(key)) return;
      tokens.set(key, '');
      const contentGroup = groupOf(contentId);
      const { maxSessionsPerGroup, ...limits } = LIMITS;
      tokens.set(
        key,
        await mintContentToken({
          secret: target.secret,
          accountId,
          contentId,
          ...limits,
          ...(contentGroup !== undefined && { contentGroup, maxSessionsPerGroup }),
          onLimit,
          now: target.now(),
        }),
      );
    }),
  );
  let unavailable = 0;
  const setup = async (n: number): Promise<SpecResponse> => {
    const plan = plans[n] ?? setupPlan(round, n);
    const base = target.bases[n % target.bases.length] ?? '';
    const token = tokens.get(`${plan.accountId}/${plan.contentId}`) ?? '';
    const body =
      plan.deviceId === undefined ? {} : { device: { id: plan.deviceId, name: plan.deviceId } };
    // A 503 changed nothing, unless the server gave up on a store that answered late: the same
    // Idempotency-Key then gets that admission back instead of a second slot.
    const key = { 'Idempotency-Key': `${round}-${n}` };
    return untilAnswered(() => {
      unavailable += 1;
      return setupWith(base, token, body, key);
    });
  };
  const answers = await Promise.all(plans.map((_, n) => setup(n)));
  // Each setup counted its first try too.
  return { plans, answers, unavailable: unavailable - SETUPS };
}

/**
 * One account's live sessions, straight from the store. A store too loaded to answer in time
 * (StoreUnavailableError) changed nothing: the read is made again.
 */
async function sessionsOf(target: PolicyStormTarget, accountId: string): Promise<HeldSession[]> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await target.store.sessions(accountId, target.now())).sessions;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt >= 20) throw error;
    }
  }
}

/** The live sessions of every account of a round, each read in one atomic step. */
async function liveOf(target: PolicyStormTarget, round: string) {
  const accounts = Array.from({ length: ACCOUNTS }, (_, a) => `${round}-account-${a}`);
  const listed = await Promise.all(accounts.map((a) => sessionsOf(target, a)));
  return new Map(accounts.map((a, i) => [a, listed[i] ?? []]));
}

/** Tears down every session left; a 503 is sent again. */
async function tearDown(target: PolicyStormTarget, tokens: string[]): Promise<void> {
  const statuses = await Promise.all(
    tokens.map(async (token, n) => {
      const base = target.bases[n % target.bases.length] ?? '';
      let tries = 0;
      const { status } = await untilAnswered(() => {
        tries += 1;
        return ssmCall(base, 'teardown', token);
      });
      // After a 503 the teardown may have been done all the same: the token is then unknown.
      return status === 401 && tries > 1 ? 200 : status;
    }),
  );
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
}

/**
 * Deny: every account ends with exactly the sessions its 200s answered, within every rule, and
 * every refused setup would still be refused beside them (the rules only ever get stricter as
 * sessions are added, so one that got in late cannot explain a refusal). Answers the 503s.
 */
export async function denyRound(target: PolicyStormTarget, round: string): Promise<number> {
  const { plans, answers, unavailable } = await stormRound(target, round, 'deny');
  const live = await liveOf(target, round);
  const admitted = new Map<string, string[]>();
  const tokens: string[] = [];
  answers.forEach((answer, n) => {
    const plan = plans[n] ?? setupPlan(round, n);
    if (answer.status === 200) {
      const { sessionId, sessionToken } = answer.body as SetupAnswer;
      admitted.set(plan.accountId, [...(admitted.get(plan.accountId) ?? []), sessionId]);
      tokens.push(sessionToken);
      return;
    }
    expect(answer, `setup ${n}`).toMatchObject({ status: 403, body: { errorCode: 1007 } });
    const sessions = live.get(plan.accountId) ?? [];
    const wanted = {
      contentId: plan.contentId,
      contentGroup: groupOf(plan.contentId),
      deviceHash:
        plan.deviceId === undefined ? undefined : deviceHashOf(plan.accountId, plan.deviceId),
    };
    const { maxSessions, ...limits } = LIMITS;
    expect(limitDecision(sessions, wanted, maxSessions, limits).admitted, `setup ${n}`).toBe(false);
  });
  for (const [accountId, sessions] of live) {
    expectWithinRules(sessions, accountId);
    const ids = sessions.map((held) => held.sessionId).sort();
    expect(ids, accountId).toEqual((admitted.get(accountId) ?? []).sort());
    // Every account gets something in: 20 setups each over 4 devices and 5 contents.
    expect(ids.length, accountId).toBeGreaterThan(0);
  }
  await tearDown(target, tokens);
  return unavailable;
}

/**
 * Evict-oldest: every setup is admitted; a sampler reads every account's live sessions while the
 * setups run and finds each within every rule at every sample; at the end the sessions the
 * answers named as evicted are exactly those admitted and no longer live, and each one's next
 * heartbeat is 403/1008 `evicted`, while each live one's is 200. Answers the samples taken.
 */
export async function evictRound(target: PolicyStormTarget, round: string): Promise<number> {
  let running = true;
  let samples = 0;
  const sampler = (async () => {
    while (running) {
      for (const [accountId, sessions] of await liveOf(target, round)) {
        expectWithinRules(sessions, `${accountId}, sample ${samples}`);
      }
      samples += 1;
      // A memory store answers in microtasks only: let the setups' I/O run between samples.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const storm = stormRound(target, round, 'evict-oldest').finally(() => {
    running = false;
  });
  // Both settle before either's failure is reported: nothing is left running or unhandled.
  const [stormed, sampled] = await Promise.allSettled([storm, sampler]);
  if (sampled.status === 'rejected') throw sampled.reason;
  if (stormed.status === 'rejected') throw stormed.reason;
  const { answers } = stormed.value;
  const live = await liveOf(target, round);
  const liveIds = new Set([...live.values()].flat().map((held) => held.sessionId));
  const evicted = new Set<string>();
  const tokens = new Map<string, string>();
  for (const answer of answers) {
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const body = answer.body as SetupAnswer;
    tokens.set(body.sessionId, body.sessionToken);
    for (const ended of body.evicted ?? []) evicted.add(ended.sessionId);
  }
  for (const sessions of live.values()) expectWithinRules(sessions, round);
  const gone = [...tokens.keys()].filter((id) => !liveIds.has(id));
  // Every session named evicted is gone; a repeated setup's answer names none, so some gone
  // ones may not have been named, but each of them is told below.
  expect(gone).toEqual(expect.arrayContaining([...evicted]));
  expect(evicted.size).toBeGreaterThan(0);
  const renewals = await Promise.all(
    [...tokens].map(([id, token], n) =>
      untilAnswered(() =>
        ssmCall(target.bases[n % target.bases.length] ?? '', 'heartbeat', token),
      ).then((answer) => ({ id, answer })),
    ),
  );
  const next: string[] = [];
  const goneIds = new Set(gone);
  for (const { id, answer } of renewals) {
    if (goneIds.has(id)) {
      expect(answer, id).toMatchObject({
        status: 403,
        body: { errorCode: 1008, reason: 'evicted' },
      });
    } else {
      expect(answer.status, id).toBe(200);
      next.push((answer.body as { sessionToken: string }).sessionToken);
    }
  }
  await tearDown(target, next);
  return samples;
}
