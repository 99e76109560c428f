import type { Logger } from 'pino';
import {
  createSsmServer,
  mintContentToken,
  type RedisClusterStoreOptions,
  redisClusterStore,
  type SsmStore,
} from '../../packages/server/src/index.js';
import { routeOfAccount } from '../../packages/server/src/tokens/session-token.js';
import type { RedisCluster } from './redis-cluster.js';
import { ssmCall } from './ssm-http.js';

/** What clients saw and what was lost when a master died in the middle of their traffic. */
export interface FailoverReport {
  replicaAcks: number;
  accounts: number;
  sessionsPerAccount: number;
  /** Answers by `status/errorCode` over the whole storm. */
  answers: Record<string, number>;
  /** Sessions answered 200 that later proved unknown (1003): lost with the master. */
  lostSessions: number;
  /** Renewals answered 200 whose token later proved unknown: rotations lost with the master. */
  lostRotations: number;
  /** Setups past the limit answered 200: over-admission. */
  overAdmitted: number;
  /**
   * When each over-admission was answered, in ms from the kill (negative: before it), for a
   * storm that has any: whether they follow the failover or the load.
   */
  overAdmittedAtMs: number[];
  /**
   * Sessions the storm still held at its end that the server no longer knew (one last heartbeat
   * answered 401/1003): losses the storm had not yet seen, each of which may explain an
   * over-admission (the account had a slot free that the storm thought taken).
   */
  unknownAtEnd: number;
  /**
   * Times before the kill that the store answered a write before its `replicaAcks` replicas
   * (they were later than its ack timeout): only such a write can die with its master.
   */
  unreplicatedBeforeKill: number;
  /** Accounts whose live count was above the limit at any check after the failover. */
  accountsOverLimit: number;
  /** From the kill until a replica had taken over (every slot served), in ms. */
  electionMs: number;
  /** From the kill until every account held exactly its sessions again, in ms. */
  exactAfterMs: number;
  /** Mean time of one admission or renewal before the kill, in ms (the cost of WAIT). */
  writeMs: number;
  /** Accounts by live count at the last check. */
  countsAtEnd: Record<string, number>;
  /** Why a count could not be read, if it could not. */
  countErrors: string[];
}

const SECRET = 'failover-storm-secret-of-thirty-two-bytes';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kills the master that holds the most of the storm's accounts while every account's sessions
 * renew every `tickMs` and a setup past each account's limit is tried every tick. Sessions
 * refused as unknown are set up again; everything is counted. The cluster must be fresh (three
 * masters with one replica each); the killed master is started again at the end, as a replica.
 */
export async function failoverStorm(
  cluster: RedisCluster,
  options: {
    replicaAcks?: number;
    accounts?: number;
    tickMs?: number;
    afterKillMs?: number;
    /** The store on the cluster, default `redisClusterStore` (the bake-off passes others). */
    store?: (seeds: string[], options: RedisClusterStoreOptions) => SsmStore;
  } = {},
): Promise<FailoverReport> {
  const replicaAcks = options.replicaAcks ?? 0;
  const accountCount = options.accounts ?? 60;
  const tickMs = options.tickMs ?? 200;
  const limit = 3;
  let killed = false;
  let unreplicatedBeforeKill = 0;
  // The store's one warning that counts here: a write answered before its replicas acked it.
  const logger = {
    warn(fields: { wanted?: number }) {
      if (!killed && fields?.wanted !== undefined) unreplicatedBeforeKill += 1;
    },
    info() {},
    error() {},
    debug() {},
  } as unknown as Logger;
  const store = (options.store ?? redisClusterStore)(cluster.seeds.split(','), {
    keyPrefix: `failover-${replicaAcks}-${Date.now()}:`,
    replicaAcks,
    logger,
  });
  const server = createSsmServer({ store, secret: SECRET, logger: false, heartbeatSeconds: 5 });
  const base = `${await server.listen(0)}/v1`;
  const answers: Record<string, number> = {};
  const count = (status: number, body: unknown) => {
    const code = (body as { errorCode?: number } | undefined)?.errorCode;
    const key = code === undefined ? String(status) : `${status}/${code}`;
    answers[key] = (answers[key] ?? 0) + 1;
  };
  let lostSessions = 0;
  let lostRotations = 0;
  const overAdmittedAt: number[] = [];
  let killedAt = Number.NaN;
  let writes = 0;
  let writeTime = 0;

  const accounts = await Promise.all(
    Array.from({ length: accountCount }, async (_, n) => {
      const accountId = `storm-${n}`;
      const token = await mintContentToken({
        secret: SECRET,
        accountId,
        contentId: 'c',
        maxSessions: limit,
      });
      return { accountId, token, sessions: [] as Array<{ token: string; renewed: boolean }> };
    }),
  );
  const setUp = async (account: (typeof accounts)[number]) => {
    const started = performance.now();
    const answer = await ssmCall(base, 'setup', account.token);
    if (!killed && answer.status === 200) {
      writes += 1;
      writeTime += performance.now() - started;
    }
    count(answer.status, answer.body);
    if (answer.status === 200) {
      const sessionToken = (answer.body as { sessionToken: string }).sessionToken;
      if (account.sessions.length >= limit) overAdmittedAt.push(performance.now());
      account.sessions.push({ token: sessionToken, renewed: false });
    }
  };
  for (const account of accounts) while (account.sessions.length < limit) await setUp(account);

  let stopped = false;
  const storm = (async () => {
    while (!stopped) {
      await Promise.all(
        accounts.map(async (account) => {
          await Promise.all(
            account.sessions.map(async (session) => {
              const started = performance.now();
              const answer = await ssmCall(base, 'heartbeat', session.token);
              count(answer.status, answer.body);
              if (answer.status === 200) {
                if (!killed) {
                  writes += 1;
                  writeTime += performance.now() - started;
                }
                session.token = (answer.body as { sessionToken: string }).sessionToken;
                session.renewed = true;
              } else if (answer.status === 401) {
                // Unknown: the master died with it (a session or its last rotation).
                if (session.renewed) lostRotations += 1;
                else lostSessions += 1;
                account.sessions = account.sessions.filter((s) => s !== session);
              }
            }),
          );
          // One more than the limit: always refused unless the count was lost.
          while (account.sessions.length < limit + 1) {
            const before = account.sessions.length;
            await setUp(account);
            if (account.sessions.length === before) break;
          }
          while (account.sessions.length > limit) {
            const extra = account.sessions.pop();
            if (extra) await ssmCall(base, 'teardown', extra.token);
          }
        }),
      );
      await sleep(tickMs);
    }
  })();

  await sleep(1_000);
  const port = cluster.nodes[0]?.port ?? 0;
  const routesOn = new Map<string, number>();
  for (const { accountId } of accounts) {
    const slot = Number(
      await cluster.cli(port, 'cluster', 'keyslot', `{${routeOfAccount(accountId)}}`),
    );
    for (const master of await cluster.masters()) {
      const owns = master.slots.split(' ').some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return from !== undefined && to !== undefined && slot >= from && slot <= to;
      });
      if (owns) routesOn.set(master.address, (routesOn.get(master.address) ?? 0) + 1);
    }
  }
  const victim = [...routesOn].sort((a, b) => b[1] - a[1])[0]?.[0];
  const node = cluster.nodes.find((n) => n.address === victim);
  if (!node) throw new Error('no master to kill');
  killedAt = performance.now();
  killed = true;
  await node.kill();
  await cluster.settled(30_000);
  const electionMs = performance.now() - killedAt;

  let accountsOverLimit = 0;
  let exactAfterMs = Number.NaN;
  let lastCounts: Record<string, number> = {};
  const countErrors = new Set<string>();
  const until = performance.now() + (options.afterKillMs ?? 20_000);
  while (performance.now() < until) {
    const counts = await Promise.all(
      accounts.map((a) =>
        store.count(a.accountId).catch((error: Error) => {
          countErrors.add(error.message.slice(0, 80));
          return -1;
        }),
      ),
    );
    accountsOverLimit = Math.max(accountsOverLimit, counts.filter((c) => c > limit).length);
    lastCounts = {};
    for (const c of counts) lastCounts[String(c)] = (lastCounts[String(c)] ?? 0) + 1;
    if (counts.every((c) => c === limit)) {
      exactAfterMs = performance.now() - killedAt;
      break;
    }
    await sleep(100);
  }
  stopped = true;
  await storm;
  let unknownAtEnd = 0;
  for (const account of accounts) {
    await Promise.all(
      account.sessions.map(async (session) => {
        const answer = await ssmCall(base, 'heartbeat', session.token);
        if (answer.status === 401) unknownAtEnd += 1;
        else if (answer.status === 200) {
          session.token = (answer.body as { sessionToken: string }).sessionToken;
        }
        await ssmCall(base, 'teardown', session.token);
      }),
    );
  }
  await server.close();
  await store.close();
  await node.start();
  return {
    replicaAcks,
    accounts: accountCount,
    sessionsPerAccount: limit,
    answers,
    lostSessions,
    lostRotations,
    overAdmitted: overAdmittedAt.length,
    overAdmittedAtMs: overAdmittedAt.map((at) => Math.round(at - killedAt)),
    unknownAtEnd,
    unreplicatedBeforeKill,
    accountsOverLimit,
    electionMs: Math.round(electionMs),
    exactAfterMs: Math.round(exactAfterMs),
    writeMs: writes > 0 ? writeTime / writes : Number.NaN,
    countsAtEnd: lastCounts,
    countErrors: [...countErrors],
  };
}
