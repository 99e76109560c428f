// The Redis clients of the bake-off, by name: the store's default (@redis/client) and the
// others it was measured against, each behind the store's client interface.
import * as ioredis from 'ioredis';
import * as iovalkey from 'iovalkey';
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

/** A client of `name` on `target`. */
export function benchRedisClient(
  name: RedisClientName,
  target: RedisTarget,
  options: RedisClientOptions,
): RedisClient {
  const single = 'url' in target;
  switch (name) {
    case '@redis/client':
      return single
        ? nodeRedisClient(target.url, options)
        : nodeRedisClusterClient(target.seeds, options);
    case 'ioredis':
      return single
        ? ioredisClient(ioredis, target.url, options)
        : ioredisClusterClient(ioredis, target.seeds, options);
    case 'iovalkey':
      return single
        ? ioredisClient(iovalkey as unknown as typeof ioredis, target.url, options)
        : ioredisClusterClient(iovalkey as unknown as typeof ioredis, target.seeds, options);
    case 'valkey-glide':
      return single ? glideClient(target.url, options) : glideClusterClient(target.seeds, options);
  }
}
