import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisClusterStore, type SsmStore } from '../../src/server/index.js';
import { denyRound, evictRound } from '../support/policy-storm.js';
import { type RedisCluster, sharedRedisCluster } from '../support/redis-cluster.js';
import {
  bundleServerProcess,
  type ServerProcess,
  startServerProcess,
} from '../support/server-process.js';

const SECRET = 'cluster-policy-secret-of-thirty-two-bytes';

describe('the concurrency policy on a Redis Cluster, through two server processes', () => {
  // A prefix of the run's own: what a failed run leaves behind cannot hold slots in the next.
  const keyPrefix = `policy-${Date.now()}:`;
  let cluster: RedisCluster;
  let bundle: Awaited<ReturnType<typeof bundleServerProcess>>;
  let servers: ServerProcess[] = [];
  let reader: SsmStore;
  beforeAll(async () => {
    cluster = await sharedRedisCluster();
    reader = redisClusterStore(cluster.seeds.split(','), { keyPrefix });
    bundle = await bundleServerProcess();
    servers = await Promise.all(
      [0, 1].map(() =>
        startServerProcess(bundle.file, {
          redisCluster: cluster.seeds,
          secret: SECRET,
          keyPrefix,
          heartbeatSeconds: 30,
        }),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
    await Promise.all(servers.map((server) => server.stop()));
    await bundle?.remove();
    await cluster?.stop();
  });
  const target = () => ({
    bases: servers.map((server) => `${server.url}/v1`),
    secret: SECRET,
    store: reader,
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
