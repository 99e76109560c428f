import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serversOnCluster } from '../../../../spec/support/cluster-servers.js';
import { denyRound, evictRound } from '../../../../spec/support/policy-storm.js';
import { type RedisCluster, sharedRedisCluster } from '../../../../spec/support/redis-cluster.js';

const SECRET = 'cluster-policy-secret-of-thirty-two-bytes';

describe('the concurrency policy on a Redis Cluster, through two server processes', () => {
  // A prefix of the run's own: what a failed run leaves behind cannot hold slots in the next.
  const keyPrefix = `policy-${Date.now()}:`;
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await sharedRedisCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());
  const on = serversOnCluster({ cluster: () => cluster, keyPrefix, secret: SECRET });
  const target = () => ({
    bases: on.servers.map((server) => `${server.url}/v1`),
    secret: SECRET,
    store: on.reader,
    now: Date.now,
  });

  it('deny: 50 accounts with mixed rules get exactly what the rules allow, 5 rounds', async () => {
    let unavailable = 0;
    for (let round = 0; round < 5; round += 1) {
      unavailable += await denyRound(target(), `cluster-deny-${round}`);
    }
    console.info(
      `cluster policy: 5 rounds of 1,000 setups, ${unavailable} answers of 503 sent again`,
    );
  }, 180_000);

  it('evict-oldest: the rules hold at every sample, and every evicted session is told on its next heartbeat, 5 rounds', async () => {
    for (let round = 0; round < 5; round += 1) {
      expect(await evictRound(target(), `cluster-evict-${round}`)).toBeGreaterThan(0);
    }
  }, 180_000);
});
