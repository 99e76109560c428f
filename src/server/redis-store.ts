import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { admitScript, sessionScript, sweepScript } from './redis-scripts.js';
import {
  type RenewalTerms,
  type RotationResult,
  type SsmStore,
  type StoredSession,
  StoreUnavailableError,
} from './store.js';

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
}

type Fields = [string, string, string, string, string];
type SessionReply = [0] | [-1, number] | [1 | 3 | 4, ...Fields] | [2, ...Fields, string];

const SWEEP_BATCH = 500;

/** A script that ran past its deadline: it changed nothing, and the caller has answered 503. */
const TOO_LATE = -2;

/**
 * A store in Redis, so several server processes enforce one limit. Every call is one Lua script,
 * atomic, and changes nothing when Redis runs it after the call's deadline (the command timeout,
 * less a safety margin): so a 503 means nothing changed, even when Redis stalled rather than
 * went away. While Redis is unreachable every call fails at once with
 * {@link StoreUnavailableError} (nothing is queued); the connection is retried in the background
 * and the store recovers by itself.
 */
export function redisStore(url: string, options: RedisStoreOptions = {}): SsmStore {
  const clock = options.clock ?? Date.now;
  const prefix = options.keyPrefix ?? 'rx-ssm:';
  const sessionPrefix = `${prefix}session:`;
  const accountPrefix = `${prefix}account:`;
  const renewalPrefix = `${prefix}renewal:`;
  const index = `${prefix}expiries`;
  const logger = options.logger || undefined;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  // Room for the answer's way back and for the two wall clocks to differ.
  const deadlineMarginMs = Math.min(100, commandTimeoutMs / 5);
  const redis = new Redis(url, {
    // Fail fast instead of queueing while disconnected; never replay a command after a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 500),
  });

  let reachable: boolean | undefined;
  let closing = false;
  const firstAttempt = new Promise<void>((resolve) => {
    for (const settled of ['ready', 'error', 'close']) redis.once(settled, () => resolve());
  });
  function unreachable(reason: string): void {
    if (reachable !== false && !closing) logger?.warn({ err: reason }, 'redis is unreachable');
    reachable = false;
  }
  redis.on('ready', () => {
    if (reachable === false) logger?.info('redis is reachable again');
    reachable = true;
  });
  redis.on('error', (error: Error) => unreachable(error.message));
  redis.on('close', () => unreachable('connection closed'));

  async function call<T>(command: () => Promise<T>): Promise<T> {
    try {
      // Only the very first calls wait, and only for the first connection attempt to settle.
      if (reachable === undefined) await firstAttempt;
      return await command();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`redis: ${reason}`, { cause: error });
    }
  }

  /** The wall-clock time (not the injectable clock) after which a script must change nothing. */
  function deadline(): number {
    return Date.now() + commandTimeoutMs - deadlineMarginMs;
  }

  const shas = new Map<string, string>();
  /** EVALSHA, falling back to EVAL when Redis does not know the script (first use, restart). */
  async function run(script: string, keys: string[], args: Array<string | number>) {
    let sha = shas.get(script);
    if (!sha) {
      sha = createHash('sha1').update(script).digest('hex');
      shas.set(script, sha);
    }
    let reply: unknown;
    try {
      reply = await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      reply = await redis.eval(script, keys.length, ...keys, ...args);
    }
    if (Array.isArray(reply) && reply[0] === TOO_LATE) {
      throw new Error('redis ran the command after its deadline; it changed nothing');
    }
    return reply;
  }

  /** Keys outlive their session by one lifetime: the sweep, not Redis, notices the expiry. */
  const keyTtl = (expiresAt: number, now: number) => Math.max(1, expiresAt - now) * 2;

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
    }
  }

  function sessionCall(
    mode: 'find' | 'rotate' | 'remove',
    token: string,
    now: number,
    next?: { token: string; expiresAt: number; terms?: RenewalTerms | undefined },
  ) {
    const keys = [
      sessionPrefix + token,
      sessionPrefix + (next?.token ?? token),
      index,
      renewalPrefix + token,
    ];
    const terms = next?.terms;
    const args = [
      now,
      mode,
      token,
      next?.token ?? '',
      next?.expiresAt ?? 0,
      next ? keyTtl(next.expiresAt, now) : 0,
      accountPrefix,
      deadline(),
      terms?.by ?? '',
      terms?.owner?.accountId ?? '',
      terms?.owner?.contentId ?? '',
      terms?.replayMs ?? 0,
      sessionPrefix,
    ];
    return call(async () => rotationOf((await run(sessionScript, keys, args)) as SessionReply));
  }

  const live = (now: number) => redis.zcount(index, `(${now}`, '+inf');

  return {
    admit({ sessionToken, session, maxSessions, idempotencyKey, replayMs = 0 }, now = clock()) {
      const keyed = idempotencyKey !== undefined;
      const keys = [
        accountPrefix + session.accountId,
        sessionPrefix + sessionToken,
        index,
        `${prefix}setup:${keyed ? setupScope(session.accountId, idempotencyKey) : ''}`,
      ];
      const args = [
        now,
        maxSessions,
        sessionToken,
        session.expiresAt,
        session.accountId,
        session.contentId,
        session.counted ? '1' : '0',
        keyTtl(session.expiresAt, now),
        sessionPrefix,
        session.enforced ? '1' : '0',
        deadline(),
        replayMs,
        keyed ? '1' : '0',
      ];
      return call(async () => {
        const reply = (await run(admitScript, keys, args)) as [number, number, string?];
        const [outcome, expired, first] = reply;
        if (outcome === 2 && first !== undefined) {
          return { admitted: true, expired, replayed: { sessionToken: first } };
        }
        return { admitted: outcome === 1, expired };
      });
    },

    find: (sessionToken, now = clock()) => sessionCall('find', sessionToken, now),

    rotate: (sessionToken, nextToken, expiresAt, now = clock(), terms = undefined) =>
      sessionCall('rotate', sessionToken, now, { token: nextToken, expiresAt, terms }),

    remove: (sessionToken, now = clock()) => sessionCall('remove', sessionToken, now),

    count: (accountId, now = clock()) =>
      call(() => redis.zcount(accountPrefix + accountId, `(${now}`, '+inf')),

    sweep(now = clock()) {
      return call(async () => {
        let expired = 0;
        for (;;) {
          const args = [now, sessionPrefix, accountPrefix, SWEEP_BATCH, deadline()];
          const [gone, alive] = (await run(sweepScript, [index], args)) as [number, number];
          expired += gone;
          if (gone < SWEEP_BATCH) return { expired, live: alive };
        }
      });
    },

    live: (now = clock()) => call(async () => ({ expired: 0, live: await live(now) })),

    ping: () => call(async () => void (await redis.ping())),

    ready: () => firstAttempt,

    async close() {
      closing = true;
      redis.disconnect();
    },
  };
}

/** Idempotency keys are scoped to the account; hashed, so no account or key can collide. */
function setupScope(accountId: string, idempotencyKey: string): string {
  return createHash('sha256')
    .update(JSON.stringify([accountId, idempotencyKey]))
    .digest('base64url');
}
