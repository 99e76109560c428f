// A/B of two builds of the reference server: the same load on both at once, and what each call
// cost the processes that serve it (the server, and its own redis-server for the Redis store),
// read from /proc. Run by bench/ab.mjs (`npm run bench:ab -- --base=REF`), which builds the
// server process of REF (A) and of the working tree (B) and passes their paths as AB_SERVER_A
// and AB_SERVER_B. A and B run side by side, so whatever else the machine does meanwhile (on a
// shared host, its neighbours) weighs on both alike: the headline is the median of each run's
// ratio B/A, not a ratio of figures taken at different times.
import { mintContentToken } from '../packages/server/src/index.js';
import { cpuDuring } from './support/process-cpu.js';
import { runRawLoad } from './support/raw-http-client.js';
import { hasRedis, type RedisProcess, startRedis } from './support/redis.js';
import { benchArgs, flag, progress, writeResult } from './support/result.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { sessionScenarios, type Workload } from './support/session-load.js';
import { type Spread, spread } from './support/stats.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const REPS = Number(flag('reps') ?? (args.quick ? 2 : 10));
const DURATION_S = Number(flag('seconds') ?? (args.quick ? 0.5 : 2));
const CONNECTIONS = Number(flag('connections') ?? 32);
const HEARTBEAT_SECONDS = 60;
/** Print each run's answers and CPU, not only the table. */
const EACH = process.argv.includes('--each');
const workloads: Workload[] = ['heartbeat', 'cycle'];
type Store = 'memory' | 'redis';
type Side = 'A' | 'B';

const bundles: Record<Side, string | undefined> = {
  A: process.env.AB_SERVER_A,
  B: process.env.AB_SERVER_B,
};
if (!bundles.A || !bundles.B) throw new Error('AB_SERVER_A and AB_SERVER_B name the two builds');
const stores = (flag('stores')?.split(',') ?? ['redis', 'memory']) as Store[];
for (const store of stores) {
  if (store !== 'memory' && store !== 'redis') throw new Error(`no store "${store}"`);
}
if (stores.includes('redis') && !hasRedis()) throw new Error('redis-server was not found');

// A Redis per build: each build's serving CPU is its server's and its own redis-server's.
const redises = new Map<Side, RedisProcess>();
const servers = new Map<string, ServerProcess>();
const serverKey = (store: Store, side: Side) => `${store}/${side}`;
try {
  for (const side of ['A', 'B'] as const) {
    if (stores.includes('redis')) redises.set(side, await startRedis());
  }
  for (const store of stores) {
    for (const side of ['A', 'B'] as const) {
      const redis = store === 'redis' ? redises.get(side) : undefined;
      servers.set(
        serverKey(store, side),
        await startServerProcess({
          kind: store,
          bundle: bundles[side],
          secret: SECRET,
          heartbeatSeconds: HEARTBEAT_SECONDS,
          ...(redis && { redisUrl: redis.url, redisPrefix: `ab-${process.pid}:` }),
        }),
      );
    }
  }

  const contentToken = (accountId: string) =>
    mintContentToken({ secret: SECRET, accountId, contentId: 'channel', maxSessions: 1_000_000 });
  const tokens: Record<Workload, string> = {
    heartbeat: await contentToken('heartbeats'),
    cycle: await contentToken('cycles'),
  };

  /**
   * One run of the load on A and B at once, half the connections each, from this one process:
   * both builds meet the same machine at the same moment. `first` is the one whose connections
   * open and send first. Answers serving CPU (µs) per heartbeat or per setup+teardown of each.
   */
  async function microsPerCall(
    store: Store,
    workload: Workload,
    first: Side,
  ): Promise<Record<Side, number>> {
    const sides: Side[] = first === 'A' ? ['A', 'B'] : ['B', 'A'];
    const loads = await Promise.all(
      sides.map(async (side) => {
        const server = servers.get(serverKey(store, side)) as ServerProcess;
        const redis = store === 'redis' ? redises.get(side) : undefined;
        const scenarios = await sessionScenarios(
          server.origin,
          workload,
          tokens[workload],
          CONNECTIONS / 2,
        );
        return { side, server, scenarios, pids: redis ? [server.pid, redis.pid] : [server.pid] };
      }),
    );
    const { result, micros } = await cpuDuring(
      loads.flatMap((load) => load.pids),
      () =>
        Promise.all(
          loads.map((load) => runRawLoad(load.server.origin, load.scenarios, DURATION_S)),
        ),
    );
    const perCall = { A: 0, B: 0 };
    let pid = 0;
    loads.forEach((load, i) => {
      const run = result[i] as (typeof result)[number];
      if (run.non2xx + run.errors > 0) {
        throw new Error(`${store}/${load.side} ${workload}: ${run.non2xx + run.errors} failures`);
      }
      // This side's processes, in the order their CPU was read.
      const own = micros.slice(pid, pid + load.pids.length);
      pid += load.pids.length;
      const used = own.reduce((sum, us) => sum + us, 0);
      perCall[load.side] = used / (workload === 'cycle' ? run.answers / 2 : run.answers);
      if (EACH) {
        const ms = own.map((us) => Math.round(us / 1000)).join('+');
        progress(`${store} ${workload} ${load.side}: ${run.answers} answers, ${ms} ms CPU`);
      }
    });
    return perCall;
  }

  const targets = stores.flatMap((store) => workloads.map((workload) => ({ store, workload })));
  progress('ab: warm-up');
  for (const { store, workload } of targets) await microsPerCall(store, workload, 'A');
  const runs = new Map<string, Record<Side, number>[]>();
  for (let rep = 0; rep < REPS; rep++) {
    for (const { store, workload } of targets) {
      progress(`ab ${rep + 1}/${REPS}: ${store} ${workload}`);
      const key = `${store}/${workload}`;
      // A first in one repetition, B in the next.
      const pair = await microsPerCall(store, workload, rep % 2 === 0 ? 'A' : 'B');
      runs.set(key, [...(runs.get(key) ?? []), pair]);
    }
  }

  const figures: Record<string, { A: Spread; B: Spread; ratio: Spread }> = {};
  for (const [key, pairs] of runs) {
    figures[key] = {
      A: spread(pairs.map((pair) => pair.A)),
      B: spread(pairs.map((pair) => pair.B)),
      ratio: spread(pairs.map((pair) => pair.B / pair.A)),
    };
  }
  const name = { heartbeat: 'heartbeat', cycle: 'setup+teardown' };
  const lines = [
    `A ${process.env.AB_NAME_A ?? bundles.A}, B ${process.env.AB_NAME_B ?? bundles.B}: serving CPU µs per call (median of ${REPS}), and B/A paired by repetition`,
    '',
    '| store | call | A µs | B µs | B/A median | B/A min … max |',
    '|---|---|---|---|---|---|',
    ...Object.entries(figures).map(([key, { A, B, ratio }]) => {
      const [store, workload] = key.split('/') as [Store, Workload];
      return `| ${store} | ${name[workload]} | ${A.median.toFixed(1)} | ${B.median.toFixed(1)} | ×${ratio.median.toFixed(3)} | ${ratio.min.toFixed(3)} … ${ratio.max.toFixed(3)} |`;
    }),
  ];
  process.stderr.write(`\n${lines.join('\n')}\n`);
  writeResult(args, {
    repetitions: REPS,
    durationSeconds: DURATION_S,
    connections: CONNECTIONS,
    a: process.env.AB_NAME_A,
    b: process.env.AB_NAME_B,
    figures,
  });
} finally {
  for (const server of servers.values()) await server.stop();
  for (const redis of redises.values()) await redis.stop();
}
process.exit(0);
