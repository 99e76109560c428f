import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  admitScript,
  sessionScript,
  sweepAccountScript,
  sweepSessionsScript,
} from './redis-scripts.js';
import { type SsmStore, type StoredSession, StoreUnavailableError } from './store.js';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key the store writes, default `rx-ssm:`. */
  keyPrefix?: string;
  /** Ms since the epoch, used when a call passes no `now`; default `Date.now`. */
  clock?: () => number;
  /** A command that gets no answer within this many ms fails (503), default 1000. */
  commandTimeoutMs?: number;
  /** Reports when Redis becomes unreachable and reachable again. */
  logger?: Logger | false;
}

type SessionReply = [1, string, string, string, string, string] | [0] | [-1];

const SCAN_BATCH = 500;

/**
 * A store in Redis, so several server processes enforce one limit. Admission is one Lua script
 * (prune the account's expired sessions, count, insert), and every key carries a TTL so it goes
 * away with its session. While Redis is unreachable every call fails at once with
 * {@link StoreUnavailableError} (nothing is queued); the connection is retried in the background
 * and the store recovers by itself.
 */
export function redisStore(url: string, options: RedisStoreOptions = {}): SsmStore {
  const clock = options.clock ?? Date.now;
  const prefix = options.keyPrefix ?? 'rx-ssm:';
  const sessionPrefix = `${prefix}session:`;
  const accountPrefix = `${prefix}account:`;
  const logger = options.logger || undefined;
  const redis = new Redis(url, {
    // Fail fast instead of queueing while disconnected; never replay a command after a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1000,
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

  const shas = new Map<string, string>();
  /** EVALSHA, falling back to EVAL when Redis does not know the script (first use, restart). */
  async function run(script: string, keys: string[], args: Array<string | number>) {
    let sha = shas.get(script);
    if (!sha) {
      sha = createHash('sha1').update(script).digest('hex');
      shas.set(script, sha);
    }
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(script, keys.length, ...keys, ...args);
    }
  }

  function sessionOf(reply: SessionReply): { session?: StoredSession; expired: number } {
    if (reply[0] !== 1) return { expired: reply[0] === -1 ? 1 : 0 };
    const [, accountId, contentId, counted, expiresAt, enforced] = reply;
    return {
      session: {
        accountId,
        contentId,
        counted: counted === '1',
        expiresAt: Number(expiresAt),
        ...(enforced === '1' && { enforced: true }),
      },
      expired: 0,
    };
  }

  function sessionCall(
    mode: 'find' | 'rotate' | 'remove',
    token: string,
    now: number,
    next?: { token: string; expiresAt: number },
  ) {
    const keys = [sessionPrefix + token, sessionPrefix + (next?.token ?? token)];
    const ttl = next ? Math.max(1, next.expiresAt - now) : 0;
    const args = [now, mode, token, next?.token ?? '', next?.expiresAt ?? 0, ttl, accountPrefix];
    return call(async () => sessionOf((await run(sessionScript, keys, args)) as SessionReply));
  }

  async function* scan(pattern: string): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
      cursor = nextCursor;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }

  return {
    admit({ sessionToken, session, maxSessions }, now = clock()) {
      const keys = [accountPrefix + session.accountId, sessionPrefix + sessionToken];
      const args = [
        now,
        maxSessions,
        sessionToken,
        session.expiresAt,
        session.accountId,
        session.contentId,
        session.counted ? '1' : '0',
        Math.max(1, session.expiresAt - now),
        sessionPrefix,
        session.enforced ? '1' : '0',
      ];
      return call(async () => {
        const [admitted, expired] = (await run(admitScript, keys, args)) as [number, number];
        return { admitted: admitted === 1, expired };
      });
    },

    find: (sessionToken, now = clock()) => sessionCall('find', sessionToken, now),

    rotate: (sessionToken, nextToken, expiresAt, now = clock()) =>
      sessionCall('rotate', sessionToken, now, { token: nextToken, expiresAt }),

    remove: (sessionToken, now = clock()) => sessionCall('remove', sessionToken, now),

    count: (accountId, now = clock()) =>
      call(() => redis.zcount(accountPrefix + accountId, `(${now}`, '+inf')),

    sweep(now = clock()) {
      return call(async () => {
        let expired = 0;
        let live = 0;
        for await (const keys of scan(`${escapeGlob(sessionPrefix)}*`)) {
          const args = [now, accountPrefix, sessionPrefix];
          const [gone, alive] = (await run(sweepSessionsScript, keys, args)) as [number, number];
          expired += gone;
          live += alive;
        }
        for await (const keys of scan(`${escapeGlob(accountPrefix)}*`)) {
          for (const key of keys) {
            expired += (await run(sweepAccountScript, [key], [now, sessionPrefix])) as number;
          }
        }
        return { expired, live };
      });
    },

    ping: () => call(async () => void (await redis.ping())),

    ready: () => firstAttempt,

    async close() {
      closing = true;
      redis.disconnect();
    },
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
