import { hash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  routeOfAccount,
  routeOfToken,
  SESSION_KEY_LENGTH,
  SESSION_ROUTES,
} from '../../tokens/session-token.js';
import { policed } from '../limit-decision.js';
import {
  type AdmissionResult,
  type EndReason,
  type HeldSession,
  type LimitRule,
  type RenewalTerms,
  type RotationResult,
  type SsmStore,
  type StoredSession,
  StoreUnavailableError,
} from '../store.js';
import { decimal } from './decimal.js';
import { nodeRedisClient, nodeRedisClusterClient } from './node-redis-client.js';
import type { RedisClient } from './redis-client.js';
import {
  admitScript,
  listScript,
  sessionScript,
  stopScript,
  sweepScript,
} from './redis-scripts.js';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key the store writes, default `rx-ssm:`. */
  keyPrefix?: string;
  /** Ms since the epoch, used when a call passes no `now`; default `Date.now`. */
  clock?: () => number;
  /**
   * A command that gets no answer within this many ms fails (503), default 1000. A command Redis
   * runs later than that (it stalled) changes nothing: see the deadline in `redis-scripts.ts`.
   */
  commandTimeoutMs?: number;
  /** Reports when Redis becomes unreachable and reachable again. */
  logger?: Logger | false;
  /**
   * Replicas that must acknowledge each admission, renewal and teardown before it is answered
   * (Redis `WAIT`), default 0. Redis replicates asynchronously: a master that dies before a
   * write reached a replica loses it on failover. Waiting for one replica closes most of that
   * window, at the cost of a replication round trip per write.
   */
  replicaAcks?: number;
  /**
   * How long a write waits for `replicaAcks`, in ms, default 100; then it is answered anyway,
   * and writes stop waiting for a second (`WAIT` holds its connection: with no replica left,
   * after a failover, every write would queue behind it). After that second one write waits
   * again, alone, and the others wait only once it had its replicas: a burst of writes never
   * queues behind a `WAIT` per write while the replica is still missing.
   */
  replicaAckTimeoutMs?: number;
}

/** Options of {@link redisClusterStore}: those of {@link redisStore}. */
export type RedisClusterStoreOptions = RedisStoreOptions;

type Fields = [string, string, string, string, string];
type SessionReply =
  | [0]
  | [-1, number]
  | [1 | 3 | 4, ...Fields]
  | [2, ...Fields, string]
  | [5, EndReason];

/** A session as the scripts list it: id, content, group, device hash, name, type, start, renewal. */
type HeldReply = [string, string, string, string, string, string, string, string];

type AdmitReply =
  | [1, number, HeldReply[]]
  | [0, number, LimitRule, HeldReply[]]
  | [2, number, string, string];

/** A held session from its reply: '' is absent; a name or type is '=' and the value. */
function heldOf([sessionId, contentId, group, hash, name, type, startedAt, renewedAt]: HeldReply) {
  const held: HeldSession = {
    sessionId,
    contentId,
    startedAt: Number(startedAt),
    renewedAt: Number(renewedAt),
  };
  if (group !== '') held.contentGroup = group;
  if (hash !== '') held.deviceHash = hash;
  if (name !== '') held.deviceName = name.slice(1);
  if (type !== '') held.deviceType = type.slice(1);
  return held;
}

/** An optional number for a script: '' when absent. */
const optional = (value: number | undefined) => (value === undefined ? '' : String(value));

/** An optional string for a script: '' when absent, '=' and the value when present. */
const present = (value: string | undefined) => (value === undefined ? '' : `=${value}`);

const SWEEP_BATCH = 500;

/** How long writes stop waiting for replicas after one was answered without them. */
const WAIT_PAUSE_MS = 1000;

/** `answer`, or a rejection once `ms` have passed without it. */
function answeredWithin<T>(ms: number, answer: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** The default of {@link RedisStoreOptions.commandTimeoutMs}. */
const COMMAND_TIMEOUT_MS = 1000;

/** A script that ran past its deadline: it changed nothing, and the caller has answered 503. */
const TOO_LATE = -2;

/** `command()`, with a synchronous throw as a rejection, as an `async` function would have it. */
function attempt<T>(command: () => Promise<T>): Promise<T> {
  try {
    return command();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Why a call failed, as the store's callers see it: Redis unavailable, nothing changed. */
function unavailable(error: unknown): StoreUnavailableError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`redis: ${reason}`, { cause: error });
}

/** A script's reply, unless it ran past its deadline and so changed nothing. */
function inTime(reply: unknown): unknown {
  if (Array.isArray(reply) && reply[0] === TOO_LATE) {
    throw new Error('redis ran the command after its deadline; it changed nothing');
  }
  return reply;
}

/**
 * A store in Redis, so several server processes enforce one limit. Every call is one Lua script,
 * atomic, and changes nothing when Redis runs it after the call's deadline (the command timeout,
 * less a safety margin): so a 503 means nothing changed, even when Redis stalled rather than
 * went away. While Redis is unreachable every call fails at once with
 * {@link StoreUnavailableError} (nothing is queued); the connection is retried in the background
 * and the store recovers by itself.
 */
export function redisStore(url: string, options: RedisStoreOptions = {}): SsmStore {
  return redisStoreOn(nodeRedisClient(url, clientOptions(options)), options);
}

/**
 * A store on a Redis Cluster (or a Valkey cluster, or a managed cluster-mode service): the same
 * scripts as {@link redisStore}, each on the shard that holds its route. `seeds` are some of the
 * cluster's nodes (`host:port`); the client learns the rest. While a shard's master is down
 * (until a replica takes over), calls for its routes fail at once with 503.
 */
export function redisClusterStore(
  seeds: ReadonlyArray<string>,
  options: RedisClusterStoreOptions = {},
): SsmStore {
  return redisStoreOn(nodeRedisClusterClient(seeds, clientOptions(options)), options);
}

/** What the store's options ask of its client. */
export function clientOptions(options: RedisStoreOptions) {
  return {
    commandTimeoutMs: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    waits: (options.replicaAcks ?? 0) > 0,
  };
}

/**
 * The store on a client (`redis-client.ts`): one node or a cluster, the same keys and scripts.
 * The store closes the client when it is closed.
 */
export function redisStoreOn(redis: RedisClient, options: RedisStoreOptions = {}): SsmStore {
  const clock = options.clock ?? Date.now;
  const prefix = options.keyPrefix ?? 'rx-ssm:';
  // Every key carries its route as a hash tag: see `redis-scripts.ts`.
  /** A session's hash, under its member: the first characters its tokens share. */
  const sessionKey = (token: string) =>
    `${prefix}{${routeOfToken(token)}}s:${token.slice(0, SESSION_KEY_LENGTH)}`;
  const indexKey = (route: string) => `${prefix}{${route}}i`;
  const accountKey = (accountId: string, route = routeOfAccount(accountId)) =>
    `${prefix}{${route}}a:${accountId}`;
  const logger = options.logger || undefined;
  const commandTimeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
  const replicaAcks = options.replicaAcks ?? 0;
  const replicaAckTimeoutMs = options.replicaAckTimeoutMs ?? 100;
  // Room for the answer's way back and for the two wall clocks to differ.
  const deadlineMarginMs = Math.min(100, commandTimeoutMs / 5);
  // When writes wait for replicas again after one came back without them; 0 while they answer.
  let waitsResumeAt = 0;
  // After a pause, the one write that finds out whether the replicas are back.
  let probing = false;

  let reachable: boolean | undefined;
  let closing = false;
  let settleFirstAttempt = () => {};
  const firstAttempt = new Promise<void>((resolve) => {
    settleFirstAttempt = resolve;
  });
  redis.onConnection((state, reason = 'connection closed') => {
    settleFirstAttempt();
    if (state === 'up') {
      if (reachable === false) logger?.info('redis is reachable again');
      reachable = true;
      return;
    }
    if (reachable !== false && !closing) logger?.warn({ err: reason }, 'redis is unreachable');
    reachable = false;
  });

  /**
   * `command`, with its failures as {@link StoreUnavailableError}. Chained, not `async`: a call is
   * a few promises, not one per layer (each a microtask and garbage at every heartbeat).
   */
  function call<T>(command: () => Promise<T>): Promise<T> {
    // Only the very first calls wait, and only for the first connection attempt to settle.
    const answer = reachable === undefined ? firstAttempt.then(command) : attempt(command);
    return answer.catch((error: unknown) => {
      // After a failover or a slot move, pipelined commands (auto-pipelining, a write with
      // WAIT) come back MOVED instead of being redirected: learn the new slot map, try once more.
      const moved = error instanceof Error && /^(MOVED|ASK) /.test(error.message);
      if (!moved || !redis.refreshSlots) throw unavailable(error);
      return redis
        .refreshSlots()
        .then(command)
        .catch((again: unknown) => {
          throw unavailable(again);
        });
    });
  }

  /** The wall-clock time (not the injectable clock) after which a script must change nothing. */
  function deadline(): number {
    return Date.now() + commandTimeoutMs - deadlineMarginMs;
  }

  const shas = new Map<string, string>();
  /**
   * EVALSHA, falling back to EVAL when Redis does not know the script (first use, restart, a new
   * master after a failover). A write (`acked`) with `replicaAcks` goes out with `WAIT` in one
   * pipeline, so the wait is on the node that ran it.
   */
  function run(script: string, keys: string[], args: string[], acked = false): Promise<unknown> {
    let sha = shas.get(script);
    if (!sha) {
      sha = hash('sha1', script, 'hex');
      shas.set(script, sha);
    }
    const send = (body: string | undefined) =>
      acked && replicaAcks > 0 && !probing && performance.now() >= waitsResumeAt
        ? sendThenWait(sha, body, keys, args)
        : redis.script(sha, body, keys, args);
    return send(undefined).then(inTime, (error: unknown) => {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return send(script).then(inTime);
    });
  }

  /** A write that waits for `replicaAcks`, or stops waiting for a while when they do not come. */
  async function sendThenWait(
    sha: string,
    body: string | undefined,
    keys: string[],
    args: string[],
  ): Promise<unknown> {
    // The first write after a pause waits alone: the others go on without WAIT until it knows.
    const probe = waitsResumeAt !== 0;
    probing = probe;
    try {
      // Bounded like every command: a write queued behind other writes' WAITs (a burst that
      // met a replica gone) must not hang; its script then runs past its deadline, changing
      // nothing, as the 503 says.
      const { reply, acks } = await answeredWithin(
        commandTimeoutMs,
        redis.scriptThenWait(sha, body, keys, args, replicaAcks, replicaAckTimeoutMs),
      );
      if (acks < replicaAcks) {
        // WAIT holds the connection it runs on: with no replica to answer (after a failover,
        // until a new one syncs) every write would queue behind it. Stop waiting for a second.
        waitsResumeAt = performance.now() + WAIT_PAUSE_MS;
        logger?.warn({ acks, wanted: replicaAcks }, 'a write was answered before its replicas');
      } else {
        waitsResumeAt = 0;
      }
      return reply;
    } finally {
      if (probe) probing = false;
    }
  }

  function sessionOf([accountId, contentId, counted, expiresAt, enforced]: Fields): StoredSession {
    return {
      accountId,
      contentId,
      counted: counted === '1',
      expiresAt: Number(expiresAt),
      ...(enforced === '1' && { enforced: true }),
    };
  }

  function rotationOf(reply: SessionReply): RotationResult {
    switch (reply[0]) {
      case 0:
        return { expired: 0 };
      case -1:
        return { expired: reply[1] };
      case 1:
        return { session: sessionOf(reply.slice(1) as Fields), expired: 0 };
      case 2: {
        const session = sessionOf(reply.slice(1, 6) as Fields);
        const replayed = { sessionToken: reply[6], expiresAt: session.expiresAt };
        return { session, replayed, expired: 0 };
      }
      case 3:
      case 4:
        return {
          session: sessionOf(reply.slice(1) as Fields),
          refused: reply[0] === 3 ? 'owner' : 'mode',
          expired: 0,
        };
      case 5:
        return { ended: reply[1], expired: 0 };
    }
  }

  function admissionOf(reply: AdmitReply): AdmissionResult {
    switch (reply[0]) {
      case 1: {
        const evicted = reply[2].map(heldOf);
        return evicted.length > 0
          ? { admitted: true, expired: reply[1], evicted }
          : { admitted: true, expired: reply[1] };
      }
      case 0:
        return {
          admitted: false,
          expired: reply[1],
          refusedBy: reply[2],
          holders: reply[3].map(heldOf),
        };
      case 2:
        return {
          admitted: true,
          expired: reply[1],
          replayed: {
            sessionToken: reply[2],
            ...(reply[3] !== '' && { sessionId: reply[3] }),
          },
        };
    }
  }

  function sessionCall(
    mode: 'find' | 'rotate' | 'remove',
    token: string,
    now: number,
    next?: { token: string; expiresAt: number; terms?: RenewalTerms | undefined },
  ) {
    const keys = [sessionKey(token), indexKey(routeOfToken(token))];
    const args = [decimal(now), mode, token, prefix, decimal(deadline())];
    if (next) {
      // The next token's hash only when it has another member: the server's renewals keep it.
      const nextKey = sessionKey(next.token);
      if (nextKey !== keys[0]) keys.push(nextKey);
      const terms = next.terms;
      // Until when the renewal may be repeated: Redis keeps it as it is sent.
      const replayUntil = decimal(now + (terms?.replayMs ?? 0));
      args.push(next.token, decimal(next.expiresAt), terms?.by ?? '', replayUntil);
      if (terms?.owner) args.push(terms.owner.accountId, terms.owner.contentId);
    }
    const acked = mode !== 'find';
    return call(() =>
      run(sessionScript, keys, args, acked).then((reply) => rotationOf(reply as SessionReply)),
    );
  }

  /** Live sessions of every route: one `ZCOUNT` each, whatever the number of sessions. */
  async function live(now: number): Promise<number> {
    const counts = await Promise.all(
      SESSION_ROUTES.map((route) => redis.zcount(indexKey(route), `(${now}`, '+inf')),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  return {
    admit(
      { sessionToken, session, maxSessions, limits = {}, holder, idempotencyKey, replayMs = 0 },
      now = clock(),
    ) {
      const keyed = idempotencyKey !== undefined;
      const route = routeOfAccount(session.accountId);
      const keys = [
        accountKey(session.accountId, route),
        sessionKey(sessionToken),
        indexKey(routeOfToken(sessionToken)),
        `${prefix}{${route}}o:${session.accountId}`,
      ];
      if (keyed) keys.push(`${prefix}{${route}}q:${setupScope(session.accountId, idempotencyKey)}`);
      const args = withoutTrailingBlanks([
        decimal(now),
        String(maxSessions),
        sessionToken,
        decimal(session.expiresAt),
        session.accountId,
        session.contentId,
        session.counted ? '1' : '0',
        prefix,
        session.enforced ? '1' : '0',
        decimal(deadline()),
        String(replayMs),
        keyed ? '1' : '0',
        holder?.sessionId ?? '',
        holder?.contentGroup ?? '',
        holder?.deviceHash ?? '',
        present(holder?.deviceName),
        present(holder?.deviceType),
        optional(limits.maxDevices),
        optional(limits.maxSessionsPerContent),
        optional(limits.maxSessionsPerGroup),
        limits.onLimit === 'evict-oldest' ? 'evict-oldest' : '',
        policed(limits) ? '1' : '',
      ]);
      return call(() =>
        run(admitScript, keys, args, true).then((reply) => admissionOf(reply as AdmitReply)),
      );
    },

    find: (sessionToken, now = clock()) => sessionCall('find', sessionToken, now),

    rotate: (sessionToken, nextToken, expiresAt, now = clock(), terms = undefined) =>
      sessionCall('rotate', sessionToken, now, { token: nextToken, expiresAt, terms }),

    remove: (sessionToken, now = clock()) => sessionCall('remove', sessionToken, now),

    sessions(accountId, now = clock()) {
      const args = [decimal(now), prefix, decimal(deadline())];
      return call(async () => {
        const reply = await run(listScript, [accountKey(accountId)], args);
        const [expired, sessions] = reply as [number, HeldReply[]];
        return { expired, sessions: sessions.map(heldOf) };
      });
    },

    stop(accountId, sessionId, now = clock()) {
      const args = [decimal(now), prefix, decimal(deadline()), sessionId];
      return call(async () => {
        const reply = await run(stopScript, [accountKey(accountId)], args, true);
        const [outcome, expired, stopped] = reply as [0 | 1, number, HeldReply?];
        return outcome === 1 && stopped ? { expired, stopped: heldOf(stopped) } : { expired };
      });
    },

    count: (accountId, now = clock()) =>
      call(() => redis.zcount(accountKey(accountId), `(${now}`, '+inf')),

    sweep(now = clock()) {
      return call(async () => {
        /** Sweeps one route until fewer than a batch expired; answers its expired and live. */
        const sweepRoute = async (route: string) => {
          let expired = 0;
          for (;;) {
            const args = [decimal(now), prefix, '', String(SWEEP_BATCH), decimal(deadline())];
            const reply = await run(sweepScript, [indexKey(route)], args);
            const [gone, alive] = reply as [number, number];
            expired += gone;
            if (gone < SWEEP_BATCH) return { expired, live: alive };
          }
        };
        const routes = await Promise.all(SESSION_ROUTES.map(sweepRoute));
        return routes.reduce(
          (total, route) => ({
            expired: total.expired + route.expired,
            live: total.live + route.live,
          }),
          { expired: 0, live: 0 },
        );
      });
    },

    live: (now = clock()) => call(async () => ({ expired: 0, live: await live(now) })),

    ping: () => call(() => redis.ping()),

    ready: () => firstAttempt,

    async close() {
      closing = true;
      await redis.close();
    },
  };
}

/**
 * `values` less the blanks at its end: a script reads an argument left off as absent, and each
 * argument costs Redis about as much as a small command.
 */
function withoutTrailingBlanks(values: string[]): string[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === '') end -= 1;
  return end === values.length ? values : values.slice(0, end);
}

/** Idempotency keys are scoped to the account; hashed, so no account or key can collide. */
function setupScope(accountId: string, idempotencyKey: string): string {
  return hash('sha256', JSON.stringify([accountId, idempotencyKey]), 'base64url');
}
