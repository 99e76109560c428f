import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ServerKind, ServerMessage } from './ssm-server-process.js';

/** A server in a child process. */
export interface ServerProcess {
  readonly origin: string;
  /** Its process id, to read its CPU time from `/proc`. */
  readonly pid: number;
  /** CPU time (user + system, µs) the process has used so far. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  kind: ServerKind;
  secret: string;
  heartbeatSeconds?: number;
  redisUrl?: string;
  redisPrefix?: string;
  /** Some of a Redis Cluster's nodes (`host:port,…`), instead of `redisUrl`. */
  redisSeeds?: string;
  /** The Redis client under the store (see `redis-clients/`); default the store's own. */
  redisClient?: string;
  /** A JWKS the server trusts besides the secret. */
  jwks?: { keys: object[] };
  /** Extra flags for node, e.g. `--cpu-prof`. */
  execArgv?: string[];
  /** The server process's bundle, when not the one beside this bundle (an A/B of two builds). */
  bundle?: string;
}

/**
 * Forks the bundled `ssm-server-process.mjs` (beside this bundle, or `options.bundle`) and waits
 * until it listens.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const bundle = options.bundle ?? join(import.meta.dirname, 'ssm-server-process.mjs');
  const child: ChildProcess = fork(bundle, [], {
    env: {
      ...process.env,
      BENCH_SERVER: options.kind,
      BENCH_SECRET: options.secret,
      BENCH_HEARTBEAT_SECONDS: String(options.heartbeatSeconds ?? 5),
      ...(options.redisUrl && { BENCH_REDIS_URL: options.redisUrl }),
      ...(options.redisPrefix && { BENCH_REDIS_PREFIX: options.redisPrefix }),
      ...(options.redisSeeds && { BENCH_REDIS_SEEDS: options.redisSeeds }),
      ...(options.redisClient && { BENCH_REDIS_CLIENT: options.redisClient }),
      ...(options.jwks && { BENCH_JWKS: JSON.stringify(options.jwks) }),
    },
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends ServerMessage['type']>(type: T) =>
    new Promise<Extract<ServerMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (message: ServerMessage) => {
        if (message.type !== type) return;
        child.off('message', onMessage).off('exit', onExit);
        resolve(message as Extract<ServerMessage, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`server exited with ${code}`));
      child.on('message', onMessage).once('exit', onExit);
    });
  const { origin } = await next('listening');
  const exited = once(child, 'exit');
  return {
    origin,
    pid: child.pid as number,
    async cpuMicros() {
      const usage = next('usage');
      child.send('usage');
      return (await usage).cpuMicros;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send('stop');
      await exited;
    },
  };
}
