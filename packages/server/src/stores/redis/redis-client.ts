/**
 * What the Redis store asks of a Redis client: its scripts, one count, a ping, and word of its
 * connection. The store speaks only this, so the client library under it is one file
 * (`node-redis-client.ts`, the default) and another can be measured against it.
 *
 * Every argument is a string, as Redis receives it; replies are RESP2's: integers as numbers,
 * bulk strings as strings, arrays as arrays, nil as `null`.
 */
export interface RedisClient {
  /**
   * `EVALSHA` (`script` undefined) or `EVAL` (the script's text) on the node that holds the
   * first key. A node without the script rejects with an `Error` whose message starts
   * `NOSCRIPT`.
   */
  script(sha: string, script: string | undefined, keys: string[], args: string[]): Promise<unknown>;
  /**
   * The same, followed by `WAIT replicas timeoutMs` on the same node and connection, in one
   * pipeline; answers the script's reply and how many replicas acknowledged it. Runs on a
   * connection of its own, so other calls do not queue behind the `WAIT`.
   */
  scriptThenWait(
    sha: string,
    script: string | undefined,
    keys: string[],
    args: string[],
    replicas: number,
    timeoutMs: number,
  ): Promise<{ reply: unknown; acks: number }>;
  /** `ZCOUNT key min max`. */
  zcount(key: string, min: string, max: string): Promise<number>;
  /** `PING`; rejects when Redis does not answer. */
  ping(): Promise<void>;
  /**
   * Called when the client is connected and ready (`up`) and each time it loses Redis or fails
   * to reach it (`down`, with why). The first report settles the store's first calls.
   */
  onConnection(listener: (state: 'up' | 'down', reason?: string) => void): void;
  /**
   * A cluster client learns the slot map again, after a reply said a slot moved (`MOVED`,
   * `ASK`) that it did not follow itself; absent for one node.
   */
  refreshSlots?(): Promise<void>;
  /** Closes every connection, at once; commands still waiting reject. */
  close(): Promise<void>;
}

/**
 * The words of a {@link RedisClient.script} call as Redis reads them, for a client that sends
 * commands as they are: `EVALSHA` (`script` undefined) or `EVAL`, the key count, keys, arguments.
 */
export function scriptCommand(
  sha: string,
  script: string | undefined,
  keys: string[],
  args: string[],
): string[] {
  return script === undefined
    ? ['EVALSHA', sha, String(keys.length), ...keys, ...args]
    : ['EVAL', script, String(keys.length), ...keys, ...args];
}

/** How the store wants every client set up. */
export interface RedisClientOptions {
  /** A command with no answer within this many ms rejects. */
  commandTimeoutMs: number;
  /** Whether a connection of its own is opened for {@link RedisClient.scriptThenWait}. */
  waits: boolean;
}

/** How long to wait before the next attempt to reach Redis: 50 ms, doubling, at most 500 ms. */
export const reconnectDelay = (attempt: number) => Math.min(50 * 2 ** attempt, 500);

/** How long one attempt to connect may take, in ms. */
export const CONNECT_TIMEOUT_MS = 1000;
