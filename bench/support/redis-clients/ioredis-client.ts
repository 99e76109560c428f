// The Redis store's client interface on ioredis, or on iovalkey (its fork, the same API): the
// options the store ran with before it moved to @redis/client, for the bake-off.
import type * as IORedis from 'ioredis';
import {
  CONNECT_TIMEOUT_MS,
  type RedisClient,
  type RedisClientOptions,
  reconnectDelay,
} from '../../../packages/server/src/stores/redis/redis-client.js';

export type Module = Pick<typeof IORedis, 'Redis' | 'Cluster'>;
type Connection = IORedis.Redis | IORedis.Cluster;

/** Fail fast instead of queueing while disconnected; never replay a command after a reconnect. */
function connectionOptions({ commandTimeoutMs }: RedisClientOptions) {
  return {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

function clientOn(main: Connection, options: RedisClientOptions): RedisClient {
  // WAIT holds its connection: writes that wait for replicas go out on one of their own.
  const acker = options.waits ? main.duplicate() : undefined;
  acker?.on('error', () => {});
  return {
    script: (sha, script, keys, args) =>
      script === undefined
        ? main.evalsha(sha, keys.length, ...keys, ...args)
        : main.eval(script, keys.length, ...keys, ...args),
    async scriptThenWait(sha, script, keys, args, replicas, timeoutMs) {
      const batch = (acker ?? main).pipeline();
      if (script === undefined) batch.evalsha(sha, keys.length, ...keys, ...args);
      else batch.eval(script, keys.length, ...keys, ...args);
      const results = await batch.wait(replicas, timeoutMs).exec();
      const [[failed, reply] = [null, undefined], [, acks] = [null, 0]] = results ?? [];
      if (failed) throw failed;
      return { reply, acks: Number(acks) };
    },
    zcount: (key, min, max) => main.zcount(key, min, max),
    ping: async () => void (await main.ping()),
    onConnection(listener) {
      main.on('ready', () => listener('up'));
      main.on('error', (error: Error) => listener('down', error.message));
      main.on('close', () => listener('down', 'connection closed'));
    },
    ...('refreshSlotsCache' in main && {
      refreshSlots: () =>
        new Promise<void>((resolve) =>
          (main as IORedis.Cluster).refreshSlotsCache(() => resolve()),
        ),
    }),
    async close() {
      main.disconnect();
      acker?.disconnect();
    },
  };
}

/** One Redis node, on `module` (ioredis or iovalkey). */
export function ioredisClient(module: Module, url: string, options: RedisClientOptions) {
  const main = new module.Redis(url, {
    ...connectionOptions(options),
    retryStrategy: reconnectDelay,
  });
  return clientOn(main, options);
}

/** A Redis Cluster, on `module`: the options the store used on ioredis. */
export function ioredisClusterClient(
  module: Module,
  seeds: ReadonlyArray<string>,
  options: RedisClientOptions,
) {
  const main = new module.Cluster(
    seeds.map((seed) => {
      const [host, port] = seed.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
    }),
    {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      redisOptions: connectionOptions(options),
      clusterRetryStrategy: reconnectDelay,
      maxRedirections: 16,
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      retryDelayOnTryAgain: 20,
      slotsRefreshTimeout: options.commandTimeoutMs,
    },
  );
  return clientOn(main, options);
}
