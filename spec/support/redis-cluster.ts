import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis.js';

const run = promisify(execFile);
const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? 'redis-cli';

/** One `redis-server` of a cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly address: string;
  /** Kills it at once (SIGKILL): a crash, as far as the cluster can tell. */
  kill(): Promise<void>;
  /** Starts it again on its port, with its node configuration (it rejoins as it was). */
  start(): Promise<void>;
  readonly running: boolean;
}

/** A local Redis Cluster: three masters, one replica each, on loopback. */
export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** `host:port,host:port,…` as `rx-ssm serve --redis-cluster` takes it. */
  readonly seeds: string;
  /** `redis-cli -p <port> <args…>` against a node; resolves its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The nodes that are masters now, by `CLUSTER NODES`. */
  masters(): Promise<Array<{ id: string; address: string; slots: string }>>;
  /** Resolves once every slot is served and the cluster says `ok` (after a failover, say). */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The masters `CLUSTER NODES` lists as up: id, address and slot ranges. */
function mastersIn(text: string): Array<{ id: string; address: string; slots: string }> {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2]?.includes('master') && !fields[2].includes('fail'))
    .map((fields) => ({
      id: fields[0] ?? '',
      address: (fields[1] ?? '').split('@')[0] ?? '',
      slots: fields.slice(8).join(' '),
    }));
}

async function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`redis-server ${port} exited with ${code}: ${output}`)),
    );
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
    child.stdout?.resume();
  }
}

/**
 * Starts six `redis-server` processes in cluster mode on free loopback ports, joins them with
 * `redis-cli --cluster create … --cluster-replicas 1`, and resolves once the cluster is `ok`.
 * `nodeTimeoutMs` is the cluster's failure detection time (a failover takes about that long).
 */
export async function startRedisCluster(
  options: { nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'rx-ssm-cluster-'));
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const nodes = ports.map((port) => {
    let child: ChildProcess | undefined;
    const node: ClusterNode = {
      port,
      address: `127.0.0.1:${port}`,
      get running() {
        // A process killed by a signal keeps a null exit code: it has a signal code instead.
        return child !== undefined && child.exitCode === null && child.signalCode === null;
      },
      async start() {
        if (node.running) return;
        const args = [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 2000),
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
        ];
        child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'inherit'] });
        await waitUntilReady(child, port);
      },
      async kill() {
        const running = child;
        if (!running || !node.running) return;
        const exited = once(running, 'exit');
        running.kill('SIGKILL');
        await exited;
      },
    };
    return node;
  });

  const cli = async (port: number, ...args: string[]) =>
    (await run(REDIS_CLI, ['-p', String(port), ...args])).stdout;

  const cluster: RedisCluster = {
    nodes,
    seeds: nodes.map((n) => n.address).join(','),
    cli,
    async masters() {
      const alive = nodes.find((n) => n.running);
      if (!alive) return [];
      const text = await cli(alive.port, 'cluster', 'nodes');
      return mastersIn(text);
    },
    async settled(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(
          nodes.filter((n) => n.running).map((n) => cli(n.port, 'cluster', 'info').catch(() => '')),
        );
        const ok = states.every(
          (info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384'),
        );
        // Replicas count only once they have synced: one that never did cannot take over.
        const replication = await Promise.all(
          nodes
            .filter((n) => n.running)
            .map((n) => cli(n.port, 'info', 'replication').catch(() => '')),
        );
        const synced = replication.every(
          (info) => info.includes('role:master') || info.includes('master_link_status:up'),
        );
        if (ok && synced && (await cluster.masters()).length === 3) return;
        if (Date.now() > until) throw new Error(`the cluster did not settle in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(nodes.map((n) => n.start()));
    await run(REDIS_CLI, [
      '--cluster',
      'create',
      ...nodes.map((n) => n.address),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await cluster.settled();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/**
 * The cluster `.ci/run` started (`RX_SSM_REDIS_CLUSTER`, see scripts/redis-cluster.sh), shared by
 * the specs that leave it as they found it; without one, a cluster of this spec's own. Its nodes
 * cannot be killed or restarted: a spec that takes a node down starts its own cluster.
 */
export async function sharedRedisCluster(): Promise<RedisCluster> {
  const seeds = process.env.RX_SSM_REDIS_CLUSTER;
  if (!seeds) return startRedisCluster();
  const cli = async (port: number, ...args: string[]) =>
    (await run(REDIS_CLI, ['-p', String(port), ...args])).stdout;
  const nodes: ClusterNode[] = seeds.split(',').map((address) => ({
    address,
    port: Number(address.split(':')[1]),
    running: true,
    kill: () => Promise.reject(new Error('the shared cluster is not this spec’s to take down')),
    start: () => Promise.resolve(),
  }));
  const first = nodes[0]?.port ?? 0;
  return {
    nodes,
    seeds,
    cli,
    async masters() {
      const text = await cli(first, 'cluster', 'nodes');
      return mastersIn(text);
    },
    settled: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}
