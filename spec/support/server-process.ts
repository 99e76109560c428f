import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeBundle } from '../../bench/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** An SSM server running in a child process. */
export interface ServerProcess {
  url: string;
  /** Stops it gracefully: open requests finish, new connections are refused. */
  stop(): Promise<void>;
}

/**
 * Bundles `server-process-entry.ts` (with `packages/server/src`) into one ESM file a plain `node` can run.
 * Packages stay external and resolve from the project's node_modules, so the file is written
 * inside the project, under node_modules/.cache. Resolves its path and a cleanup.
 */
export async function bundleServerProcess(): Promise<{
  file: string;
  remove: () => Promise<void>;
}> {
  const dir = join(root, 'node_modules', '.cache', 'rx-ssm-spec');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `server-process-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [join(root, 'spec', 'support', 'server-process-entry.ts')],
    outfile: file,
    // As the benchmarks bundle theirs: one set of options for every process node runs.
    ...nodeBundle,
  });
  return { file, remove: () => rm(file, { force: true }) };
}

/** Forks the bundled server on `redisUrl` and resolves once it listens. `port` 0 picks a free one. */
export async function startServerProcess(
  file: string,
  options: {
    /** One Redis node, or… */
    redisUrl?: string;
    /** …the nodes of a Redis Cluster, `host:port,host:port,…`. */
    redisCluster?: string;
    replicaAcks?: number;
    secret: string;
    keyPrefix?: string;
    heartbeatSeconds?: number;
    port?: number;
  },
): Promise<ServerProcess> {
  const child: ChildProcess = fork(file, [], {
    env: {
      ...process.env,
      RX_SSM_REDIS_URL: options.redisUrl ?? '',
      RX_SSM_REDIS_CLUSTER: options.redisCluster ?? '',
      RX_SSM_REPLICA_ACKS: String(options.replicaAcks ?? 0),
      RX_SSM_SECRET: options.secret,
      ...(options.keyPrefix && { RX_SSM_KEY_PREFIX: options.keyPrefix }),
      ...(options.heartbeatSeconds && { RX_SSM_HEARTBEAT: String(options.heartbeatSeconds) }),
      RX_SSM_PORT: String(options.port ?? 0),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server process not ready in 10 s')), 10_000);
    child.once('message', (message: { url: string }) => {
      clearTimeout(timer);
      resolve(message.url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited with ${code}`));
    });
  });
  const url = await ready;
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.send('stop');
      await exited;
    },
  };
}
