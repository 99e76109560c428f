// Capacity: what one server process and one Redis shard sustain, for the capacity model in
// docs/deploy.md. `rx-ssm serve` (the CLI, built from the sources) runs as 1 process or with
// `--workers 2`, on one redis-server or on a local Redis Cluster (3 masters, 3 replicas) that
// this benchmark starts and stops, and once on the cluster with `--replica-acks 1` (Redis WAIT).
// The raw keep-alive client drives heartbeats; the CPU time of the node processes (primary and
// workers) and of each redis-server is read from /proc, repetitions interleaved, ratios to the
// 1-process single-Redis run of the same repetition. Then: Redis memory per session (INFO
// memory, N sessions set up and renewed once), and the bytes of one heartbeat on the wire.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { mintContentToken } from '../packages/server/src/index.js';
import { startRedisCluster } from '../spec/support/redis-cluster.js';
import { type CliServer, startCliServer } from './support/cli-server.js';
import { processCpuMicros } from './support/process-cpu.js';
import { runRawLoad, sessionCall, sessionTokenIn } from './support/raw-http-client.js';
import { hasRedis, startRedis } from './support/redis.js';
import { benchArgs, flag, progress, writeResult } from './support/result.js';
import { heartbeatsOn, liveSessions } from './support/session-load.js';
import { type Spread, spread } from './support/stats.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const REPS = Number(flag('reps') ?? (args.quick ? 1 : 6));
const DURATION_S = Number(flag('seconds') ?? (args.quick ? 0.5 : 2.5));
const MEMORY_SESSIONS = Number(flag('sessions') ?? (args.quick ? 400 : 10_000));
const CONNECTIONS = 32;
const HEARTBEAT_SECONDS = 60;
/** Sessions per account in the memory measurement: a household. */
const SESSIONS_PER_ACCOUNT = 2;

const run = promisify(execFile);
const redisCli = async (port: number, ...command: string[]) =>
  (await run(process.env.REDIS_CLI ?? 'redis-cli', ['-p', String(port), ...command])).stdout;
/** One field of `INFO <section>` as a number. */
const infoField = (info: string, field: string) =>
  Number(new RegExp(`^${field}:(\\S+)`, 'm').exec(info)?.[1] ?? Number.NaN);

if (!hasRedis()) {
  writeResult(args, { redis: false });
  process.exit(0);
}

/** A redis-server the servers use: its port, process, and role in the cluster. */
interface RedisNode {
  port: number;
  pid: number;
  master: boolean;
}
const nodeOf = async (port: number): Promise<RedisNode> => {
  const server = await redisCli(port, 'info', 'server');
  const replication = await redisCli(port, 'info', 'replication');
  return {
    port,
    pid: infoField(server, 'process_id'),
    master: replication.includes('role:master'),
  };
};

const single = await startRedis();
const cluster = await startRedisCluster().catch(async (error: unknown) => {
  await single.stop();
  throw error;
});
const cleanUp = async () => {
  for (const server of servers.values()) await server.stop().catch(() => {});
  await cluster.stop().catch(() => {});
  await single.stop().catch(() => {});
};
const servers = new Map<string, CliServer>();
let singleNodes: RedisNode[];
let clusterNodes: RedisNode[];

/** The configurations measured, by key: the CLI flags of each. */
const configs = {
  'single/1': { store: 'single', workers: 1, replicaAcks: 0 },
  'single/2': { store: 'single', workers: 2, replicaAcks: 0 },
  'cluster/1': { store: 'cluster', workers: 1, replicaAcks: 0 },
  'cluster/2': { store: 'cluster', workers: 2, replicaAcks: 0 },
  'cluster/1/acks1': { store: 'cluster', workers: 1, replicaAcks: 1 },
} as const;
type ConfigKey = keyof typeof configs;
const keys = Object.keys(configs) as ConfigKey[];

interface Run {
  rate: number;
  /** CPU µs per heartbeat: node processes (primary + workers), Redis masters, replicas. */
  nodeMicros: number;
  masterMicros: number;
  replicaMicros: number;
  /** Heartbeats per CPU-second of everything that serves (node + every redis-server). */
  perCpuSecond: number;
  /** Bytes in and out of the Redis masters per heartbeat (replication to replicas included). */
  redisBytes: number;
  /** Commands the Redis masters processed per heartbeat. */
  redisCommands: number;
  p50: number;
  p99: number;
  failures: number;
}

/** Bytes and commands the given nodes have handled so far. */
async function redisCounters(nodes: RedisNode[]) {
  let bytes = 0;
  let commands = 0;
  for (const node of nodes) {
    const stats = await redisCli(node.port, 'info', 'stats');
    bytes += infoField(stats, 'total_net_input_bytes') + infoField(stats, 'total_net_output_bytes');
    commands += infoField(stats, 'total_commands_processed');
  }
  return { bytes, commands };
}

try {
  singleNodes = [{ port: Number(new URL(single.url).port), pid: single.pid, master: true }];
  clusterNodes = await Promise.all(cluster.nodes.map((node) => nodeOf(node.port)));
  for (const key of keys) {
    const config = configs[key];
    servers.set(
      key,
      await startCliServer([
        ...(config.store === 'single'
          ? ['--redis', single.url]
          : ['--redis-cluster', cluster.seeds]),
        ...(config.workers > 1 ? ['--workers', String(config.workers)] : []),
        '--replica-acks',
        String(config.replicaAcks),
        '--heartbeat',
        String(HEARTBEAT_SECONDS),
        '--secret',
        SECRET,
      ]),
    );
  }

  /** One account per connection, so the sessions spread over routes (and shards). */
  const accountTokens = await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, n) =>
      mintContentToken({
        secret: SECRET,
        accountId: `capacity-${n}`,
        contentId: 'channel',
        maxSessions: 1_000_000,
      }),
    ),
  );

  async function drive(key: ConfigKey): Promise<Run> {
    const server = servers.get(key) as CliServer;
    const nodes = configs[key].store === 'single' ? singleNodes : clusterNodes;
    const masters = nodes.filter((node) => node.master);
    const replicas = nodes.filter((node) => !node.master);
    const scenarios = await heartbeatsOn(server.origin, accountTokens);
    const redisCpu = (list: RedisNode[]) =>
      list.reduce((sum, node) => sum + processCpuMicros(node.pid), 0);
    const before = {
      node: server.cpuMicros(),
      masters: redisCpu(masters),
      replicas: redisCpu(replicas),
      counters: await redisCounters(masters),
    };
    const timed = await runRawLoad(server.origin, scenarios, DURATION_S);
    const counters = await redisCounters(masters);
    const nodeMicros = server.cpuMicros() - before.node;
    const masterMicros = redisCpu(masters) - before.masters;
    const replicaMicros = redisCpu(replicas) - before.replicas;
    const n = timed.answers;
    return {
      rate: n / (timed.ms / 1000),
      nodeMicros: nodeMicros / n,
      masterMicros: masterMicros / n,
      replicaMicros: replicaMicros / n,
      perCpuSecond: n / ((nodeMicros + masterMicros + replicaMicros) / 1e6),
      // Less the INFO calls themselves (a few hundred bytes, one command each).
      redisBytes: (counters.bytes - before.counters.bytes) / n,
      redisCommands: (counters.commands - before.counters.commands - masters.length) / n,
      p50: timed.p50,
      p99: timed.p99,
      failures: timed.non2xx + timed.errors,
    };
  }

  const runs = new Map<ConfigKey, Run[]>();
  progress('capacity: warm-up');
  for (const key of keys) await drive(key);
  for (let rep = 0; rep < REPS; rep++) {
    const order = keys.map((_, i) => keys[(i + rep) % keys.length] as ConfigKey);
    for (const key of order) {
      progress(`capacity ${rep + 1}/${REPS}: ${key}`);
      runs.set(key, [...(runs.get(key) ?? []), await drive(key)]);
    }
  }

  /** Redis memory per session: N sessions set up (households of two), then renewed once. */
  async function memoryPerSession(key: ConfigKey) {
    const server = servers.get(key) as CliServer;
    const nodes = configs[key].store === 'single' ? singleNodes : clusterNodes;
    const used = async (list: RedisNode[]) => {
      let bytes = 0;
      for (const node of list)
        bytes += infoField(await redisCli(node.port, 'info', 'memory'), 'used_memory');
      return bytes;
    };
    const masters = nodes.filter((node) => node.master);
    const replicas = nodes.filter((node) => !node.master);
    const accounts = Math.ceil(MEMORY_SESSIONS / SESSIONS_PER_ACCOUNT);
    const tokens: string[] = [];
    for (let n = 0; n < accounts; n += 200) {
      tokens.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(200, accounts - n) }, (_, i) =>
            mintContentToken({
              secret: SECRET,
              accountId: `memory-${key}-${n + i}`,
              contentId: 'channel',
              maxSessions: 5,
            }),
          ),
        )),
      );
    }
    const before = await used(masters);
    const beforeReplicas = await used(replicas);
    const sessions: string[] = [];
    for (let n = 0; n < tokens.length; n += 100) {
      const batch = tokens.slice(n, n + 100);
      const set = await Promise.all(
        batch.map((token) => liveSessions(server.origin, token, SESSIONS_PER_ACCOUNT)),
      );
      sessions.push(...set.flat());
    }
    const afterSetup = await used(masters);
    for (let n = 0; n < sessions.length; n += 200) {
      await Promise.all(
        sessions.slice(n, n + 200).map(async (token) => {
          const response = await fetch(`${server.origin}/v1/sessions/heartbeat`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'nv-authorizations': token },
            body: '{}',
          });
          await response.text();
        }),
      );
    }
    // Replicas catch up asynchronously: give them a moment before reading theirs.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const afterRenewal = await used(masters);
    const replicasAfter = await used(replicas);
    return {
      sessions: sessions.length,
      setupBytes: (afterSetup - before) / sessions.length,
      renewedBytes: (afterRenewal - before) / sessions.length,
      replicaBytes: replicas.length ? (replicasAfter - beforeReplicas) / sessions.length : 0,
    };
  }
  progress(`capacity: Redis memory of ${MEMORY_SESSIONS} sessions`);
  const memory = {
    single: await memoryPerSession('single/1'),
    cluster: await memoryPerSession('cluster/1'),
  };

  /** The bytes of one setup and one heartbeat on the wire: request and answer, HTTP/1.1. */
  async function wireBytes() {
    const server = servers.get('single/1') as CliServer;
    const { host, hostname, port } = new URL(server.origin);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    const exchange = (request: string) =>
      new Promise<{ request: number; answer: number; body: string }>((resolve) => {
        let text = '';
        const onData = (chunk: Buffer) => {
          text += chunk.toString('latin1');
          const end = text.indexOf('\r\n\r\n');
          const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? Number.NaN);
          if (end >= 0 && text.length >= end + 4 + length) {
            socket.off('data', onData);
            resolve({
              request: Buffer.byteLength(request, 'latin1'),
              answer: text.length,
              body: text.slice(end + 4),
            });
          }
        };
        socket.on('data', onData);
        socket.write(request, 'latin1');
      });
    const setup = await exchange(sessionCall(host, 'setup', accountTokens[0] ?? ''));
    const heartbeat = await exchange(
      sessionCall(host, 'heartbeat', sessionTokenIn(setup.body) ?? ''),
    );
    socket.destroy();
    return {
      setup: { request: setup.request, answer: setup.answer },
      heartbeat: { request: heartbeat.request, answer: heartbeat.answer },
      contentTokenChars: (accountTokens[0] ?? '').length,
      sessionTokenChars: (sessionTokenIn(setup.body) ?? '').length,
    };
  }
  const wire = await wireBytes();

  await cleanUp();

  const base = runs.get('single/1') as Run[];
  const figures: Record<string, unknown> = {};
  for (const key of keys) {
    const list = runs.get(key) as Run[];
    const of = (pick: (r: Run) => number): Spread => spread(list.map(pick));
    figures[key] = {
      ...configs[key],
      rate: of((r) => r.rate),
      nodeMicros: of((r) => r.nodeMicros),
      masterMicros: of((r) => r.masterMicros),
      replicaMicros: of((r) => r.replicaMicros),
      perCpuSecond: of((r) => r.perCpuSecond),
      redisBytes: of((r) => r.redisBytes),
      redisCommands: of((r) => r.redisCommands),
      p50: of((r) => r.p50),
      p99: of((r) => r.p99),
      failures: list.reduce((sum, r) => sum + r.failures, 0),
      // Each repetition's ratio to the 1-process single-Redis run of the same repetition.
      rateRatio: spread(list.map((r, rep) => r.rate / (base[rep] as Run).rate)),
      cpuRatio: spread(list.map((r, rep) => r.perCpuSecond / (base[rep] as Run).perCpuSecond)),
      nodeMicrosRatio: spread(list.map((r, rep) => r.nodeMicros / (base[rep] as Run).nodeMicros)),
    };
  }
  writeResult(args, {
    redis: true,
    connections: CONNECTIONS,
    durationSeconds: DURATION_S,
    repetitions: REPS,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    shards: clusterNodes.filter((node) => node.master).length,
    figures,
    memory,
    wire,
  });
} catch (error) {
  await cleanUp();
  throw error;
}
process.exit(0);
