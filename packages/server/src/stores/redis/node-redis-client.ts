import { createClient, createCluster } from '@redis/client';
import {
  CONNECT_TIMEOUT_MS,
  type RedisClient,
  type RedisClientOptions,
  reconnectDelay,
  scriptCommand,
} from './redis-client.js';

/**
 * The store's client on `@redis/client` (node-redis), the default: of the clients measured, it
 * spends the least CPU in the server per call (the Redis client bake-off, section 9 of
 * `docs/benchmarks.md`). RESP2,
 * no offline queue (while Redis is unreachable every command fails at once), and a command
 * timeout that also rejects a command already sent.
 */
export function nodeRedisClient(url: string, options: RedisClientOptions): RedisClient {
  const connect = (client: ReturnType<typeof nodeClient>) => {
    // With a reconnect strategy, connect() settles only once connected; errors are events.
    client.connect().catch(() => {});
    return client;
  };
  const nodeClient = () =>
    createClient({ url, RESP: 2, ...nodeOptions(options), socket: socketOptions() });
  const main = connect(nodeClient());
  const acker = options.waits ? connect(nodeClient()) : undefined;
  // The acker's failures reach the writes that use it; the main connection reports outages.
  acker?.on('error', () => {});
  return {
    ...commandsOn(main, () => (acker ?? main).multi() as unknown as Batch),
    // The command as Redis reads it, sent as it is: `evalSha` would parse it again, through
    // two more promises, at every call.
    script: (sha, script, keys, args) => main.sendCommand(scriptCommand(sha, script, keys, args)),
    onConnection(listener) {
      main.on('ready', () => listener('up'));
      main.on('error', (error: Error) => listener('down', error.message));
    },
    async close() {
      main.destroy();
      acker?.destroy();
    },
  };
}

/**
 * The same on a Redis Cluster: `seeds` are some of its nodes (`host:port`), the client learns
 * the rest and follows `MOVED` and `ASK` itself. A node that goes away has its slots looked up
 * again soon after, so a replica that took over is found.
 */
export function nodeRedisClusterClient(
  seeds: ReadonlyArray<string>,
  options: RedisClientOptions,
): RedisClient {
  let closed = false;
  const clusterOf = () =>
    createCluster({
      rootNodes: seeds.map((seed) => ({ url: `redis://${seed}` })),
      RESP: 2,
      defaults: { ...nodeOptions(options), socket: socketOptions() },
      useReplicas: false,
      maxCommandRedirections: 16,
      // A node lost: look the slots up again after this long, not the default 5 s.
      topologyRefreshOnReconnectionAttemptStrategy: 100,
    });
  type Cluster = ReturnType<typeof clusterOf>;
  /** Until the cluster answers its first slot map, try again with the reconnect delays. */
  const connect = (cluster: Cluster, report?: (state: 'up' | 'down', reason?: string) => void) => {
    const attempt = (n: number): void => {
      if (closed) return;
      cluster.connect().then(
        () => report?.('up'),
        (error: Error) => {
          report?.('down', error.message);
          setTimeout(() => attempt(n + 1), reconnectDelay(n)).unref();
        },
      );
    };
    attempt(0);
    return cluster;
  };
  const listeners: Array<(state: 'up' | 'down', reason?: string) => void> = [];
  // Up once the first slot map is in; then each node that is ready again.
  let mapped = false;
  const tell = (state: 'up' | 'down', reason?: string) => {
    if (state === 'up' && !mapped) return;
    for (const listener of listeners) listener(state, reason);
  };
  const main = connect(clusterOf(), (state, reason) => {
    if (state === 'up') mapped = true;
    tell(state, reason);
  });
  main.on('node-ready', () => tell('up'));
  main.on('node-error', (error: Error) => tell('down', error.message));
  main.on('error', (error: Error) => tell('down', error.message));
  const acker = options.waits ? connect(clusterOf()) : undefined;
  acker?.on('error', () => {});
  acker?.on('node-error', () => {});
  return {
    // A batch goes to the node of its first key: the WAIT runs where the script did.
    ...commandsOn(main, (firstKey) => (acker ?? main).multi(firstKey) as unknown as Batch),
    onConnection(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      main.destroy();
      acker?.destroy();
    },
  };
}

/** What the store uses of a node-redis client or cluster. */
interface Commands {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  zCount(key: string, min: string, max: string): Promise<number>;
  ping(): Promise<unknown>;
}

/** A pipeline (`execAsPipeline`: no MULTI, no EXEC) of one script and a WAIT. */
interface Batch {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Batch;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Batch;
  wait(replicas: number, timeoutMs: number): { execAsPipeline(): Promise<unknown[]> };
}

/** The store's commands on `main`, and its waits on the batches `batchFor` gives. */
function commandsOn(
  main: Commands,
  batchFor: (firstKey: string | undefined) => Batch,
): Pick<RedisClient, 'script' | 'scriptThenWait' | 'zcount' | 'ping'> {
  return {
    script: (sha, script, keys, args) =>
      script === undefined
        ? main.evalSha(sha, { keys, arguments: args })
        : main.eval(script, { keys, arguments: args }),
    async scriptThenWait(sha, script, keys, args, replicas, timeoutMs) {
      const batch = batchFor(keys[0]);
      const withScript =
        script === undefined
          ? batch.evalSha(sha, { keys, arguments: args })
          : batch.eval(script, { keys, arguments: args });
      const [reply, acks] = await withScript.wait(replicas, timeoutMs).execAsPipeline();
      return { reply, acks: Number(acks) };
    },
    zcount: (key, min, max) => main.zCount(key, min, max),
    ping: async () => void (await main.ping()),
  };
}

function nodeOptions({ commandTimeoutMs }: RedisClientOptions) {
  return {
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs, rejectInFlight: true },
  };
}

function socketOptions() {
  return { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectDelay };
}
