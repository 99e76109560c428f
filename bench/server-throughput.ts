// Server throughput: heartbeats/s and setup+teardown cycles/s of the reference server on the
// memory store and on the Redis store, driven by autocannon, beside a bare node:http handler
// answering the same JSON, all in the same run. Each server runs in its own process, whose CPU
// time per request is measured too: on two cores the load generator, not the bare handler, is
// what saturates first, so requests per CPU-second of the server is the fair comparison.
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { mintContentToken } from '../src/server/index.js';
import { hasRedis, type RedisProcess, startRedis } from './support/redis.js';
import { benchArgs, progress, writeResult } from './support/result.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import type { ServerKind } from './support/ssm-server-process.js';
import { type Spread, spread } from './support/stats.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const REPS = args.quick ? 1 : 3;
const DURATION_S = args.quick ? 1 : 5;
const CONNECTIONS = 32;
const HEADERS = {
  accept: 'application/json',
  'content-type': 'application/json; charset=utf-8',
};

type Workload = 'heartbeat' | 'cycle';
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
      heartbeatSeconds: 60,
      ...(redis && { redisUrl: redis.url, redisPrefix: `bench-${process.pid}:` }),
    }),
  );
}

const contentToken = (accountId: string) =>
  mintContentToken({ secret: SECRET, accountId, contentId: 'channel', maxSessions: 1_000_000 });
const cycleToken = await contentToken('cycles');
const poolToken = await contentToken('heartbeats');

/** Live sessions to heartbeat: two per connection, so a connection never waits for a token. */
async function sessionPool(origin: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: CONNECTIONS * 2 }, async () => {
      const response = await fetch(`${origin}/v1/sessions/setup`, {
        method: 'POST',
        headers: { ...HEADERS, 'nv-authorizations': poolToken },
        body: '{}',
      });
      return ((await response.json()) as { sessionToken: string }).sessionToken;
    }),
  );
}

/** The requests of one connection: each heartbeat uses a live token and returns the new one. */
function heartbeatRequests(pool: string[]): AutocannonRequest[] {
  return [
    {
      method: 'POST',
      path: '/v1/sessions/heartbeat',
      body: '{}',
      setupRequest: (request) => {
        request.headers = { ...HEADERS, 'nv-authorizations': pool.pop() ?? 'pool-ran-dry-000000' };
        return request;
      },
      onResponse: (status, body) => {
        if (status === 200) pool.push((JSON.parse(body) as { sessionToken: string }).sessionToken);
      },
    },
  ];
}

/** A setup, then the teardown of the session it got. */
function cycleRequests(): AutocannonRequest[] {
  return [
    {
      method: 'POST',
      path: '/v1/sessions/setup',
      body: '{}',
      headers: { ...HEADERS, 'nv-authorizations': cycleToken },
      onResponse: (status, body, context) => {
        if (status === 200)
          context.token = (JSON.parse(body) as { sessionToken: string }).sessionToken;
      },
    },
    {
      method: 'POST',
      path: '/v1/sessions/teardown',
      body: '{}',
      setupRequest: (request, context) => {
        request.headers = { ...HEADERS, 'nv-authorizations': String(context.token ?? 'none') };
        return request;
      },
    },
  ];
}

async function drive(kind: ServerKind, workload: Workload, seconds: number) {
  const server = servers.get(kind)!;
  const pool = workload === 'heartbeat' ? await sessionPool(server.origin) : [];
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({
    url: server.origin,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    requests: workload === 'heartbeat' ? heartbeatRequests(pool) : cycleRequests(),
  });
  return { result, serverCpuMicros: (await server.cpuMicros()) - cpuBefore };
}

interface Run {
  rate: number;
  /** Heartbeats or cycles per CPU-second of the server process. */
  perCpuSecond: number;
  p50: number;
  p99: number;
  failures: number;
}
const runs = new Map<string, Run[]>();
const key = (kind: ServerKind, workload: Workload) => `${kind}/${workload}`;
const perSecond = (result: AutocannonResult, workload: Workload) =>
  result.requests.total / result.duration / (workload === 'cycle' ? 2 : 1);

if (!args.quick) {
  progress('throughput: warm-up');
  for (const workload of workloads) for (const kind of kinds) await drive(kind, workload, 1);
}

for (let rep = 0; rep < REPS; rep++) {
  for (const workload of workloads) {
    // Rotate the order, so no server always runs right after the same one.
    const order = kinds.map((_, i) => kinds[(i + rep) % kinds.length]!);
    for (const kind of order) {
      progress(`throughput ${rep + 1}/${REPS}: ${workload} on ${kind}`);
      const { result, serverCpuMicros } = await drive(kind, workload, DURATION_S);
      const list = runs.get(key(kind, workload)) ?? [];
      const done = result.requests.total / (workload === 'cycle' ? 2 : 1);
      list.push({
        rate: perSecond(result, workload),
        perCpuSecond: done / (serverCpuMicros / 1e6),
        p50: result.latency.p50,
        p99: result.latency.p99,
        failures: result.errors + result.timeouts + result.non2xx,
      });
      runs.set(key(kind, workload), list);
    }
  }
}

for (const server of servers.values()) await server.stop();
await redis?.stop();

const figures: Record<
  string,
  {
    rate: Spread;
    perCpuSecond: Spread;
    p50: Spread;
    p99: Spread;
    failures: number;
    ratioToBare: Spread;
    cpuRatioToBare: Spread;
  }
> = {};
for (const workload of workloads) {
  const bare = runs.get(key('bare', workload))!;
  for (const kind of kinds) {
    const list = runs.get(key(kind, workload))!;
    figures[key(kind, workload)] = {
      rate: spread(list.map((run) => run.rate)),
      perCpuSecond: spread(list.map((run) => run.perCpuSecond)),
      p50: spread(list.map((run) => run.p50)),
      p99: spread(list.map((run) => run.p99)),
      failures: list.reduce((sum, run) => sum + run.failures, 0),
      // Each repetition's ratio to the bare handler's run of the same repetition.
      ratioToBare: spread(list.map((run, rep) => run.rate / bare[rep]!.rate)),
      cpuRatioToBare: spread(list.map((run, rep) => run.perCpuSecond / bare[rep]!.perCpuSecond)),
    };
  }
}
writeResult(args, {
  connections: CONNECTIONS,
  durationSeconds: DURATION_S,
  repetitions: REPS,
  redis: redisAvailable,
  figures,
});
process.exit(0);
