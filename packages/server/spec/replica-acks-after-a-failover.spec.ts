import { describe, expect, it } from 'vitest';
import type { RedisClient } from '../src/stores/redis/redis-client.js';
import { redisStoreOn } from '../src/stores/redis/redis-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Redis that answers every script `[0]` (nothing to do) and every WAIT after `waitMs` with
 * `replicas` acks: a master with its replica (1) or, after a failover, without one (0). It
 * counts how writes went out: with a WAIT or without.
 */
function scriptedRedis(waitMs: number) {
  const seen = { plain: 0, waited: 0, waitsInFlight: 0, mostWaitsInFlight: 0 };
  let replicas = 0;
  const client: RedisClient = {
    async script() {
      seen.plain += 1;
      return [0];
    },
    async scriptThenWait() {
      seen.waited += 1;
      seen.waitsInFlight += 1;
      seen.mostWaitsInFlight = Math.max(seen.mostWaitsInFlight, seen.waitsInFlight);
      await sleep(waitMs);
      seen.waitsInFlight -= 1;
      return { reply: [0], acks: replicas };
    },
    async zcount() {
      return 0;
    },
    async ping() {},
    onConnection(listener) {
      listener('up');
    },
    async close() {},
  };
  return {
    client,
    seen,
    setReplicas(n: number) {
      replicas = n;
    },
    reset() {
      Object.assign(seen, { plain: 0, waited: 0, mostWaitsInFlight: 0 });
    },
  };
}

describe('replica acks with the replica gone (after a failover, until a new one syncs)', () => {
  it('one write waits for replicas after each pause, the others of a burst go on without WAIT until the replicas are back', async () => {
    const redis = scriptedRedis(50);
    const store = redisStoreOn(redis.client, { replicaAcks: 1, replicaAckTimeoutMs: 50 });
    const burst = () => Promise.all(Array.from({ length: 20 }, (_, n) => store.remove(`tok-${n}`)));

    // Before anything is known, every write of a burst waits (the replica is presumed there).
    await burst();
    expect(redis.seen.waited).toBe(20);

    // The WAITs came back without their replica: writes stop waiting for a second.
    redis.reset();
    await burst();
    expect(redis.seen).toMatchObject({ waited: 0, plain: 20 });

    // After the pause, one write finds out, alone; the replica is still gone: pause again.
    await sleep(1_100);
    redis.reset();
    await burst();
    expect(redis.seen).toMatchObject({ waited: 1, plain: 19, mostWaitsInFlight: 1 });
    redis.reset();
    await burst();
    expect(redis.seen).toMatchObject({ waited: 0, plain: 20 });

    // A new replica synced: the next pause's one write has its ack, and every write waits again.
    redis.setReplicas(1);
    await sleep(1_100);
    redis.reset();
    await burst();
    expect(redis.seen).toMatchObject({ waited: 1, plain: 19 });
    redis.reset();
    await burst();
    expect(redis.seen).toMatchObject({ waited: 20, plain: 0 });
    await store.close();
  });

  it('a write queued behind other WAITs fails within the command timeout instead of hanging', async () => {
    const redis = scriptedRedis(2_000);
    const store = redisStoreOn(redis.client, { replicaAcks: 1, commandTimeoutMs: 300 });
    const started = performance.now();
    await expect(store.remove('tok')).rejects.toThrow(/no answer within 300 ms/);
    expect(performance.now() - started).toBeLessThan(1_500);
    await store.close();
  });
});
