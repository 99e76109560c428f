import { afterEach, describe, expect, it } from 'vitest';
import { failoverStorm } from '../../../../spec/support/failover-storm.js';
import { type RedisCluster, startRedisCluster } from '../../../../spec/support/redis-cluster.js';

let cluster: RedisCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('a master of the Redis Cluster dies mid-storm', () => {
  it.each([0, 1])(
    'replica acks %i: clients see only 200, 403 and 503/1005; the count is exact again; no account over its limit',
    async (replicaAcks) => {
      cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
      const report = await failoverStorm(cluster, { replicaAcks, accounts: 30 });
      // overAdmittedAtMs and unknownAtEnd say why, when a setup is admitted past the limit: a
      // session the storm holds that the server no longer knows (one that expired while its
      // renewals failed, or died with the master) left its slot free.
      console.info(`failover (replica acks ${replicaAcks}): ${JSON.stringify(report)}`);
      // What clients may see: success, the limit, and "unavailable, nothing changed" while the
      // shard has no master; a session or rotation lost with the master shows as 401/1003.
      const allowed = new Set(['200', '403/1007', '503/1005', '401/1003']);
      expect(Object.keys(report.answers).filter((key) => !allowed.has(key))).toEqual([]);
      expect(report.answers['503/1005'] ?? 0).toBeGreaterThan(0);
      // Every 401 is a session the storm counted as lost, and the count settles exact.
      expect(report.answers['401/1003'] ?? 0).toBe(report.lostSessions + report.lostRotations);
      expect(Number.isFinite(report.exactAfterMs)).toBe(true);
      // A write dies with its master only if it was answered before a replica had it: with
      // replica acks that happens only past the ack timeout (a loaded machine), and the store
      // says so. Unless it did, no setup past a limit is admitted.
      if (replicaAcks > 0 && report.unreplicatedBeforeKill > 0) {
        console.info(
          `over-admitted ${report.overAdmitted} after ${report.unreplicatedBeforeKill} writes answered before their replicas`,
        );
      } else {
        expect(report.overAdmitted).toBe(0);
      }
      expect(report.accountsOverLimit).toBe(0);
    },
    120_000,
  );
});
