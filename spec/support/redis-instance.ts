import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** An SSM server instance in a child process, on a Redis store. */
export interface RedisInstance {
  readonly url: string;
  /** Stops it gracefully: open requests finish, new connections are refused. */
  stop(): Promise<void>;
}

/**
 * Bundles redis-instance-entry.ts into one ESM file a plain `node` can run (packages stay
 * external, so it is written inside the project, under node_modules/.cache).
 */
export async function bundleRedisInstance(): Promise<{
  file: string;
  remove: () => Promise<void>;
}> {
  const dir = join(root, 'node_modules', '.cache', 'rx-ssm-spec');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `redis-instance-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [join(root, 'spec', 'support', 'redis-instance-entry.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return { file, remove: () => rm(file, { force: true }) };
}

/** Forks an instance and resolves once it listens. `port` 0 picks a free one. */
export async function startRedisInstance(
  file: string,
  options: { redisUrl: string; secret: string; heartbeatSeconds: number; port?: number },
): Promise<RedisInstance> {
  const child: ChildProcess = fork(file, [], {
    env: {
      ...process.env,
      RX_SSM_REDIS_URL: options.redisUrl,
      RX_SSM_SECRET: options.secret,
      RX_SSM_HEARTBEAT: String(options.heartbeatSeconds),
      RX_SSM_PORT: String(options.port ?? 0),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('instance not ready in 10 s')), 10_000);
    child.once('message', (message: { url: string }) => {
      clearTimeout(timer);
      resolve(message.url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance exited with ${code}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.send('stop');
      await exited;
    },
  };
}
