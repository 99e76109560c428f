import { afterAll, beforeAll } from 'vitest';
import { memoryStore, redisStore, type SsmStore } from '../../packages/server/src/index.js';
import { type RedisProcess, startRedis } from './redis.js';

/**
 * The stores a server spec runs on, for `describe.each`: the memory store, and a Redis store
 * (keys under `keyPrefix`) on a `redis-server` of the spec file's own, started before its tests
 * and stopped after them.
 */
export function everyStore(keyPrefix: string): Array<[string, () => SsmStore]> {
  let redis: RedisProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return [
    ['memory', () => memoryStore()],
    [
      'redis',
      () => {
        if (!redis) throw new Error('redis-server is not running yet');
        return redisStore(redis.url, { keyPrefix });
      },
    ],
  ];
}
