// Redis client bake-off: the Redis store on each client of support/redis-clients/ (the same
// scripts, the same client interface), on one redis-server and on a local Redis Cluster (3
// masters, 3 replicas), beside a bare node:http handler, all in one run with the repetitions
// interleaved. The headline is as in server-throughput.ts: heartbeats and setup+teardown
// cycles per CPU-second of everything that serves (the server process and every redis-server
// of the topology) as a ratio to the bare handler's in the same repetition. Then, for each
// client, the failover storm of spec/support/failover-storm.ts on a fresh cluster: a master
// killed mid-storm, and what was lost, admitted past the limit, or answered 503.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mintContentToken } from '../packages/server/src/index.js';
import { clientOptions, redisStoreOn } from '../packages/server/src/stores/redis/redis-store.js';
import { failoverStorm } from '../spec/support/failover-storm.js';
import { startRedisCluster } from '../spec/support/redis-cluster.js';
import { cpuDuring } from './support/process-cpu.js';
import { runRawLoad } from './support/raw-http-client.js';
import { hasRedis, startRedis } from './support/redis.js';
import {
  REDIS_CLIENTS,
  type RedisClientName,
  redisClientMaker,
} from './support/redis-clients/index.js';
import { benchArgs, flag, progress, writeResult } from './support/result.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { sessionScenarios, type Workload } from './support/session-load.js';
import { type Spread, spread } from './support/stats.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const REPS = Number(flag('reps') ?? (args.quick ? 1 : 5));
const DURATION_S = Number(flag('seconds') ?? (args.quick ? 0.5 : 2));
const CONNECTIONS = 32;
const HEARTBEAT_SECONDS = 60;
const workloads: Workload[] = ['heartbeat', 'cycle'];
type Topology = 'single' | 'cluster';
const topologies: Topology[] = ['single', 'cluster'];

if (!hasRedis()) {
  writeResult(args, { redis: false });
  process.exit(0);
}

const redisPid = async (port: number) => {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(port), 'info', 'server']);
  return Number(/process_id:(\d+)/.exec(stdout)?.[1]);
};

const single = await startRedis();
const cluster = await startRedisCluster();
const pids: Record<Topology, number[]> = {
  single: [single.pid],
  cluster: await Promise.all(cluster.nodes.map((node) => redisPid(node.port))),
};

interface Target {
  client: RedisClientName | 'bare';
  topology: Topology;
}
const targets: Target[] = [{ client: 'bare', topology: 'single' }];
for (const topology of topologies) {
  for (const client of REDIS_CLIENTS) targets.push({ client, topology });
}
const name = ({ client, topology }: Target) =>
  client === 'bare' ? 'bare' : `${client}/${topology}`;

const servers = new Map<string, ServerProcess>();
try {
  for (const target of targets) {
    const bare = target.client === 'bare';
    servers.set(
      name(target),
      await startServerProcess({
        kind: bare ? 'bare' : 'redis',
        secret: SECRET,
        heartbeatSeconds: HEARTBEAT_SECONDS,
        redisPrefix: `bake-${target.client}-${process.pid}:`,
        ...(!bare && { redisClient: target.client }),
        ...(!bare &&
          (target.topology === 'single'
            ? { redisUrl: single.url }
            : { redisSeeds: cluster.seeds })),
      }),
    );
  }
} catch (error) {
  for (const server of servers.values()) await server.stop();
  await cluster.stop();
  await single.stop();
  throw error;
}

const contentToken = (accountId: string) =>
  mintContentToken({ secret: SECRET, accountId, contentId: 'channel', maxSessions: 1_000_000 });
const tokens = { heartbeat: await contentToken('heartbeats'), cycle: await contentToken('cycles') };

interface Run {
  perCpuSecond: number;
  /** CPU µs per heartbeat or cycle: the server process, and the redis-server processes. */
  serverMicros: number;
  redisMicros: number;
  p99: number;
  failures: number;
}

async function drive(target: Target, workload: Workload): Promise<Run> {
  const server = servers.get(name(target)) as ServerProcess;
  const scenarios = await sessionScenarios(server.origin, workload, tokens[workload], CONNECTIONS);
  const redisPids = target.client === 'bare' ? [] : pids[target.topology];
  const { result: timed, micros: used } = await cpuDuring([server.pid, ...redisPids], () =>
    runRawLoad(server.origin, scenarios, DURATION_S),
  );
  const done = timed.answers / (workload === 'cycle' ? 2 : 1);
  const serverMicros = used[0] as number;
  const redisMicros = used.slice(1).reduce((sum, micros) => sum + micros, 0);
  return {
    perCpuSecond: done / ((serverMicros + redisMicros) / 1e6),
    serverMicros: serverMicros / done,
    redisMicros: redisMicros / done,
    p99: timed.p99,
    failures: timed.non2xx + timed.errors,
  };
}

const runs = new Map<string, Run[]>();
const key = (target: Target, workload: Workload) => `${workload}/${name(target)}`;
progress('redis clients: warm-up');
for (const workload of workloads) for (const target of targets) await drive(target, workload);
for (let rep = 0; rep < REPS; rep++) {
  for (const workload of workloads) {
    const order = targets.map((_, i) => targets[(i + rep) % targets.length] as Target);
    for (const target of order) {
      progress(`redis clients ${rep + 1}/${REPS}: ${key(target, workload)}`);
      const run = await drive(target, workload);
      runs.set(key(target, workload), [...(runs.get(key(target, workload)) ?? []), run]);
    }
  }
}
for (const server of servers.values()) await server.stop();
await cluster.stop();
await single.stop();

const figures: Array<{
  client: RedisClientName;
  topology: Topology;
  workload: Workload;
  cpuRatioToBare: Spread;
  perCpuSecond: Spread;
  serverMicros: Spread;
  redisMicros: Spread;
  p99: Spread;
  failures: number;
}> = [];
for (const workload of workloads) {
  const bare = runs.get(key({ client: 'bare', topology: 'single' }, workload)) as Run[];
  for (const target of targets) {
    if (target.client === 'bare') continue;
    const list = runs.get(key(target, workload)) as Run[];
    figures.push({
      client: target.client,
      topology: target.topology,
      workload,
      cpuRatioToBare: spread(
        list.map((run, rep) => run.perCpuSecond / (bare[rep] as Run).perCpuSecond),
      ),
      perCpuSecond: spread(list.map((run) => run.perCpuSecond)),
      serverMicros: spread(list.map((run) => run.serverMicros)),
      redisMicros: spread(list.map((run) => run.redisMicros)),
      p99: spread(list.map((run) => run.p99)),
      failures: list.reduce((sum, run) => sum + run.failures, 0),
    });
  }
}

// The failover storm, once per client, each on a cluster of its own (the storm kills a master).
const storms: Array<{ client: RedisClientName } & Awaited<ReturnType<typeof failoverStorm>>> = [];
for (const client of REDIS_CLIENTS) {
  progress(`redis clients: failover storm on ${client}`);
  const make = await redisClientMaker(client);
  const fresh = await startRedisCluster({ nodeTimeoutMs: 1000 });
  try {
    const report = await failoverStorm(fresh, {
      accounts: args.quick ? 10 : 30,
      afterKillMs: args.quick ? 8_000 : 20_000,
      store: (seeds, options) => redisStoreOn(make({ seeds }, clientOptions(options)), options),
    });
    storms.push({ client, ...report });
  } finally {
    await fresh.stop();
  }
}

writeResult(args, {
  connections: CONNECTIONS,
  durationSeconds: DURATION_S,
  repetitions: REPS,
  heartbeatSeconds: HEARTBEAT_SECONDS,
  redisNodes: { single: 1, cluster: cluster.nodes.length },
  figures,
  storms,
});
process.exit(0);
