// The Redis clients of the bake-off, by name: the store's default (@redis/client) and the
// others it was measured against, each behind the store's client interface.
import {
  nodeRedisClient,
  nodeRedisClusterClient,
} from '../../../packages/server/src/stores/redis/node-redis-client.js';
import type {
  RedisClient,
  RedisClientOptions,
} from '../../../packages/server/src/stores/redis/redis-client.js';
import { glideClient, glideClusterClient } from './glide-client.js';
import { ioredisClient, ioredisClusterClient } from './ioredis-client.js';

/** The clients measured. */
export const REDIS_CLIENTS = ['@redis/client', 'ioredis', 'iovalkey', 'valkey-glide'] as const;
export type RedisClientName = (typeof REDIS_CLIENTS)[number];

/** Where the store's Redis is: one node's URL, or some of a cluster's nodes. */
export type RedisTarget = { url: string } | { seeds: string[] };

/** Makes clients of one library. */
export type RedisClientMaker = (target: RedisTarget, options: RedisClientOptions) => RedisClient;

/**
 * What makes clients of `name`. The other libraries are imported only here, when asked for, so
 * a server process that does not use them (the bare handler, the memory store) never loads them.
 */
export async function redisClientMaker(name: RedisClientName): Promise<RedisClientMaker> {
  switch (name) {
    case '@redis/client':
      return (target, options) =>
        'url' in target
          ? nodeRedisClient(target.url, options)
          : nodeRedisClusterClient(target.seeds, options);
    case 'ioredis':
    case 'iovalkey': {
      const module = name === 'ioredis' ? await import('ioredis') : await import('iovalkey');
      const library = module as unknown as Parameters<typeof ioredisClient>[0];
      return (target, options) =>
        'url' in target
          ? ioredisClient(library, target.url, options)
          : ioredisClusterClient(library, target.seeds, options);
    }
    case 'valkey-glide': {
      const glide = await import('@valkey/valkey-glide');
      return (target, options) =>
        'url' in target
          ? glideClient(glide, target.url, options)
          : glideClusterClient(glide, target.seeds, options);
    }
  }
}
