// Server throughput: heartbeats/s and setup+teardown cycles/s of the reference server on the
// memory store and on the Redis store, beside a bare node:http handler answering the same JSON,
// all in one run with the repetitions interleaved. Each server runs in its own process; the CPU
// time of every process that serves (the server, and redis-server for the Redis store) is read
// from /proc, so the headline, requests per server CPU-second as a ratio to the bare handler's,
// does not depend on how hard the load generator can push. The generator is a raw keep-alive
// socket client (support/raw-http-client.ts), checked in the same run against autocannon on
// the bare handler: it must drive it at least as hard.
import autocannon from 'autocannon';
import { mintContentToken } from '../packages/server/src/index.js';
import { cpuDuring } from './support/process-cpu.js';
import { runRawLoad } from './support/raw-http-client.js';
import { hasRedis, type RedisProcess, startRedis } from './support/redis.js';
import { benchArgs, flag, progress, writeResult } from './support/result.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { liveSessions, sessionScenarios, type Workload } from './support/session-load.js';
import type { ServerKind } from './support/ssm-server-process.js';
import { type Spread, spread } from './support/stats.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const REPS = Number(flag('reps') ?? (args.quick ? 1 : 8));
const DURATION_S = Number(flag('seconds') ?? (args.quick ? 0.5 : 2.5));
const CONNECTIONS = 32;
const HEARTBEAT_SECONDS = 60;

type Client = 'raw' | 'autocannon';
const workloads: Workload[] = ['heartbeat', 'cycle'];
const redisAvailable = hasRedis();
const kinds: ServerKind[] = redisAvailable ? ['bare', 'memory', 'redis'] : ['bare', 'memory'];

const redis: RedisProcess | undefined = redisAvailable ? await startRedis() : undefined;
const servers = new Map<ServerKind, ServerProcess>();
for (const kind of kinds) {
  servers.set(
    kind,
    await startServerProcess({
      kind,
      secret: SECRET,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      ...(redis && { redisUrl: redis.url, redisPrefix: `bench-${process.pid}:` }),
    }),
  );
}

const contentToken = (accountId: string) =>
  mintContentToken({ secret: SECRET, accountId, contentId: 'channel', maxSessions: 1_000_000 });
const cycleToken = await contentToken('cycles');
const poolToken = await contentToken('heartbeats');

/** Processes whose CPU is the server's: the server, and redis-server for the Redis store. */
function servingPids(kind: ServerKind): number[] {
  const server = servers.get(kind) as ServerProcess;
  return kind === 'redis' && redis ? [server.pid, redis.pid] : [server.pid];
}

interface Run {
  /** Heartbeats or cycles per second. */
  rate: number;
  /** Per CPU-second of the serving processes (server + redis-server for Redis). */
  perCpuSecond: number;
  /** Per CPU-second of the server process alone. */
  perServerCpuSecond: number;
  /** CPU-seconds per second of the serving processes: 1 is one core busy. */
  serverCores: number;
  /** CPU-seconds per second of this process, the load generator. */
  clientCores: number;
  p50: number;
  p99: number;
  failures: number;
}

async function drive(kind: ServerKind, workload: Workload, client: Client): Promise<Run> {
  const server = servers.get(kind) as ServerProcess;
  const token = workload === 'heartbeat' ? poolToken : cycleToken;
  const scenarios = await sessionScenarios(server.origin, workload, token, CONNECTIONS);
  const pids = servingPids(kind);
  const ownCpu = process.cpuUsage();
  const ownCpuBefore = ownCpu.user + ownCpu.system;
  const { result: timed, micros: used } = await cpuDuring(pids, async () =>
    client === 'raw'
      ? runRawLoad(server.origin, scenarios, DURATION_S)
      : autocannonLoad(server.origin, await liveSessions(server.origin, poolToken, 1)),
  );
  const serverMicros = used.reduce((sum, micros) => sum + micros, 0);
  const serverOnlyMicros = used[0] as number;
  const ownCpuAfter = process.cpuUsage();
  const clientMicros = ownCpuAfter.user + ownCpuAfter.system - ownCpuBefore;
  const perAnswer = workload === 'cycle' ? 2 : 1;
  const done = timed.answers / perAnswer;
  const seconds = timed.ms / 1000;
  return {
    rate: done / seconds,
    perCpuSecond: done / (serverMicros / 1e6),
    perServerCpuSecond: done / (serverOnlyMicros / 1e6),
    serverCores: serverMicros / 1e6 / seconds,
    clientCores: clientMicros / 1e6 / seconds,
    p50: timed.p50,
    p99: timed.p99,
    failures: timed.non2xx + timed.errors,
  };
}

/**
 * autocannon with fixed requests and no per-response callbacks (its cheapest use), on the bare
 * handler only: the other client the raw one is checked against.
 */
async function autocannonLoad(origin: string, tokens: string[]) {
  const result = await autocannon({
    url: origin,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        path: '/v1/sessions/heartbeat',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json; charset=utf-8',
          'nv-authorizations': tokens[0] ?? '',
        },
        body: '{}',
      },
    ],
  });
  return {
    answers: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ms: result.duration * 1000,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

interface Target {
  kind: ServerKind;
  workload: Workload;
  client: Client;
}
const key = ({ kind, workload, client }: Target) =>
  `${workload}/${kind}${client === 'raw' ? '' : `/${client}`}`;
const targets: Target[] = [];
for (const workload of workloads) {
  for (const kind of kinds) targets.push({ kind, workload, client: 'raw' });
  if (workload === 'heartbeat') targets.push({ kind: 'bare', workload, client: 'autocannon' });
}

const runs = new Map<string, Run[]>();
progress('throughput: warm-up');
for (const target of targets) {
  if (target.client === 'raw') await drive(target.kind, target.workload, 'raw');
}
for (let rep = 0; rep < REPS; rep++) {
  // Rotate the order, so no server always runs right after the same one.
  const order = targets.map((_, i) => targets[(i + rep) % targets.length] as Target);
  for (const target of order) {
    progress(`throughput ${rep + 1}/${REPS}: ${key(target)}`);
    const run = await drive(target.kind, target.workload, target.client);
    runs.set(key(target), [...(runs.get(key(target)) ?? []), run]);
  }
}

for (const server of servers.values()) await server.stop();
await redis?.stop();

const figures: Record<
  string,
  {
    workload: Workload;
    kind: ServerKind;
    client: Client;
    rate: Spread;
    perCpuSecond: Spread;
    perServerCpuSecond: Spread;
    serverCores: Spread;
    clientCores: Spread;
    p50: Spread;
    p99: Spread;
    failures: number;
    ratioToBare: Spread;
    cpuRatioToBare: Spread;
  }
> = {};
for (const target of targets) {
  const bare = runs.get(key({ ...target, kind: 'bare', client: 'raw' })) as Run[];
  const list = runs.get(key(target)) as Run[];
  const of = (pick: (run: Run) => number) => spread(list.map(pick));
  figures[key(target)] = {
    ...target,
    rate: of((run) => run.rate),
    perCpuSecond: of((run) => run.perCpuSecond),
    perServerCpuSecond: of((run) => run.perServerCpuSecond),
    serverCores: of((run) => run.serverCores),
    clientCores: of((run) => run.clientCores),
    p50: of((run) => run.p50),
    p99: of((run) => run.p99),
    failures: list.reduce((sum, run) => sum + run.failures, 0),
    // Each repetition's ratio to the bare handler's raw-client run of the same repetition.
    ratioToBare: spread(list.map((run, rep) => run.rate / (bare[rep] as Run).rate)),
    cpuRatioToBare: spread(
      list.map((run, rep) => run.perCpuSecond / (bare[rep] as Run).perCpuSecond),
    ),
  };
}
writeResult(args, {
  connections: CONNECTIONS,
  durationSeconds: DURATION_S,
  repetitions: REPS,
  heartbeatSeconds: HEARTBEAT_SECONDS,
  redis: redisAvailable,
  figures,
});
process.exit(0);
