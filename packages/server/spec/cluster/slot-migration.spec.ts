import { BehaviorSubject, filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RedisCluster, sharedRedisCluster } from '../../../../spec/support/redis-cluster.js';
import { type SpecServer, startSpecServer } from '../../../../spec/support/ssm-server.js';
import {
  axiosTransport,
  type SsmError,
  type SsmSource,
  ssmSession,
} from '../../../rx-ssm/src/index.js';
import { redisClusterStore, type SsmStore } from '../../src/index.js';
import { routeOfAccount } from '../../src/tokens/session-token.js';

let cluster: RedisCluster;
let store: SsmStore;
let spec: SpecServer;
beforeAll(async () => {
  cluster = await sharedRedisCluster();
  store = redisClusterStore(cluster.seeds.split(','));
  // The real clock: a session that is not renewed while its slot moves expires.
  spec = await startSpecServer({ heartbeatSeconds: 1, store, clock: Date.now });
}, 60_000);
afterAll(async () => {
  await spec?.server.close();
  await store?.close();
  await cluster?.stop();
});

it('resharding the slot that holds live sessions (redis-cli --cluster reshard) loses none of them', async () => {
  const accountId = 'migrating';
  const port = cluster.nodes[0]?.port ?? 0;
  const slot = Number(
    await cluster.cli(port, 'cluster', 'keyslot', `{${routeOfAccount(accountId)}}`),
  );
  const masters = await cluster.masters();
  const inRange = (slots: string) =>
    slots.split(' ').some((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return from !== undefined && to !== undefined && slot >= from && slot <= to;
    });
  const owner = masters.find((m) => inRange(m.slots));
  const target = masters.find((m) => m !== owner);
  if (!owner || !target) throw new Error('no owner or target master');

  // Four playbacks of the account, heartbeating every second through the default transport.
  const sessions = await Promise.all(
    ['a', 'b', 'c', 'd'].map(async (name) => {
      const token = await spec.contentToken({ accountId, contentId: name, maxSessions: 4 });
      const source: SsmSource = { src: name, token, ssmServerUrl: `${spec.origin}/ssm` };
      const session = ssmSession(
        { source$: new BehaviorSubject(source) },
        { transport: axiosTransport() },
      );
      const errors: SsmError[] = [];
      const running = session.session$.subscribe();
      running.add(session.errors$.subscribe((e) => errors.push(e)));
      await firstValueFrom(
        session.session$.pipe(
          filter((s) => s.status === 'active'),
          timeout(5000),
        ),
      );
      return { session, errors, running };
    }),
  );
  expect(await spec.server.liveSessions(accountId)).toBe(4);

  // The reshard moves slots from the lowest up: every slot up to and including this one.
  const first = Number(owner.slots.split(' ')[0]?.split('-')[0]);
  await cluster.cli(
    port,
    '--cluster',
    'reshard',
    owner.address,
    '--cluster-from',
    owner.id,
    '--cluster-to',
    target.id,
    '--cluster-slots',
    String(slot - first + 1),
    '--cluster-yes',
  );
  const now = await cluster.masters();
  expect(now.find((m) => m.id === target.id && inRange(m.slots))).toBeDefined();

  // Two more periods on the new shard: every session renews there.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  expect(await spec.server.liveSessions(accountId)).toBe(4);
  for (const { session, errors } of sessions) {
    expect(errors).toEqual([]);
    expect((await firstValueFrom(session.session$)).status).toBe('active');
  }
  for (const { running } of sessions) running.unsubscribe();
  await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
}, 90_000);
