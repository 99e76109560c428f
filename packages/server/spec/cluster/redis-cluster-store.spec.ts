import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serversOnCluster } from '../../../../spec/support/cluster-servers.js';
import { type RedisCluster, sharedRedisCluster } from '../../../../spec/support/redis-cluster.js';
import { routedTokens } from '../../../../spec/support/routed-tokens.js';
import { setupWith, ssmCall } from '../../../../spec/support/ssm-http.js';
import { describeStoreContract } from '../../../../spec/support/store-contract.js';
import { mintContentToken, redisClusterStore } from '../../src/index.js';
import { routeOfAccount } from '../../src/tokens/session-token.js';

const SECRET = 'cluster-spec-secret-of-thirty-two-bytes';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await sharedRedisCluster();
}, 60_000);
afterAll(() => cluster?.stop());

describeStoreContract('redisClusterStore', () =>
  routedTokens(
    redisClusterStore(cluster.seeds.split(','), { keyPrefix: `contract-${Date.now()}:` }),
  ),
);

/** The master address that serves a key slot, from `CLUSTER SLOTS`. */
async function masterOfSlot(slot: number): Promise<string> {
  const masters = await cluster.masters();
  for (const master of masters) {
    for (const range of master.slots.split(' ')) {
      const [from, to = from] = range.split('-').map(Number);
      if (from !== undefined && to !== undefined && slot >= from && slot <= to)
        return master.address;
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}

describe('exactness on a Redis Cluster, through two server processes', () => {
  // A prefix of the run's own: what a failed run leaves behind cannot hold slots in the next.
  const keyPrefix = `exact-${Date.now()}:`;
  const on = serversOnCluster({ cluster: () => cluster, keyPrefix, secret: SECRET });
  /** Live counted sessions of an account, read straight from the cluster. */
  const liveOf = (accountId: string) => on.reader.count(accountId);

  it('1,000 concurrent setups over 100 accounts on all three masters, limit 3: exactly 3 each, 5 rounds', async () => {
    const accounts = Array.from({ length: 100 }, (_, n) => `exact-${n}`);
    // The accounts' routes spread over every master.
    const port = cluster.nodes[0]?.port ?? 0;
    const slots = await Promise.all(
      accounts.map(async (a) =>
        Number(await cluster.cli(port, 'cluster', 'keyslot', `{${routeOfAccount(a)}}`)),
      ),
    );
    const masters = new Set(await Promise.all(slots.map(masterOfSlot)));
    expect(masters.size).toBe(3);

    let unavailable = 0;
    for (let round = 0; round < 5; round += 1) {
      const tokens = await Promise.all(
        accounts.map((accountId) =>
          mintContentToken({ secret: SECRET, accountId, contentId: `c${round}`, maxSessions: 3 }),
        ),
      );
      // 503 means nothing changed (a command Redis ran past its deadline under this load):
      // the setup is sent again, as a client would, until it is admitted or refused.
      // A server that gave up on a store answering late (503) may have been admitted all the
      // same: the same Idempotency-Key then gets that admission back instead of a second slot.
      const setup = async (i: number) => {
        const server = on.servers[i % 2]?.url ?? '';
        const key = { 'Idempotency-Key': `${round}-${i}` };
        for (let attempt = 0; attempt < 20; attempt += 1) {
          // An answer lost with its connection (one the loaded server closed) is asked again too.
          const answer = await setupWith(`${server}/v1`, tokens[i % 100] ?? '', {}, key).catch(
            (error: unknown) => {
              if (error instanceof TypeError) return undefined;
              throw error;
            },
          );
          if (answer && answer.status !== 503) return answer;
          unavailable += 1;
        }
        throw new Error('20 answers of 503 or lost answers in a row');
      };
      const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => setup(i)));
      const admitted = new Map<number, string[]>();
      answers.forEach((answer, i) => {
        expect([200, 403], JSON.stringify(answer.body)).toContain(answer.status);
        if (answer.status !== 200) return;
        const list = admitted.get(i % 100) ?? [];
        list.push((answer.body as { sessionToken: string }).sessionToken);
        admitted.set(i % 100, list);
      });
      for (let a = 0; a < 100; a += 1) expect(admitted.get(a)?.length, `account ${a}`).toBe(3);
      expect(await Promise.all(accounts.map((a) => liveOf(a)))).toEqual(accounts.map(() => 3));
      // Free the slots for the next round.
      // A teardown answered 503 changed nothing either: sent again, so no slot is left held.
      const teardown = async (token: string, i: number) => {
        const server = on.servers[i % 2]?.url ?? '';
        for (let attempt = 0; attempt < 20; attempt += 1) {
          const answer = await ssmCall(`${server}/v1`, 'teardown', token).catch(
            (error: unknown) => {
              if (error instanceof TypeError) return undefined;
              throw error;
            },
          );
          // After a 503 the teardown may have been done all the same: the token is then unknown.
          if (answer?.status === 401 && attempt > 0) return 200;
          if (answer && answer.status !== 503) return answer.status;
          unavailable += 1;
        }
        throw new Error('20 answers of 503 or lost answers in a row');
      };
      const teardowns = await Promise.all([...admitted.values()].flat().map(teardown));
      expect(teardowns.filter((status) => status !== 200)).toEqual([]);
    }
    console.info(
      `cluster exactness: 5 rounds of 1,000 setups, ${unavailable} answers of 503 or lost sent again`,
    );
  }, 120_000);
});
