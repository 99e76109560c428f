import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';

/** How many server processes `--workers` asks for: a number, or `auto` for one per core. */
export function workerCount(value: string): number {
  if (value === 'auto') return availableParallelism();
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 1 || count > 256) {
    throw new Error(`--workers must be a number from 1 to 256 or "auto", got "${value}"`);
  }
  return count;
}

/** What a worker tells the primary. */
export type WorkerMessage = { listening: string };

/** Options of {@link runPrimary}. */
export interface PrimaryOptions {
  count: number;
  /** The script the workers run (the `rx-ssm` bin) and its arguments. */
  exec: string;
  args: string[];
  /** Resolves when the primary is asked to stop (SIGINT, SIGTERM). */
  stopRequested: Promise<void>;
  /** Called once, with the URL the workers listen on, when all of them do. */
  listening(url: string): void;
  log?: Logger | undefined;
}

/**
 * The primary of `rx-ssm serve --workers N` (node:cluster): forks N workers that share one
 * listening port, replaces a worker that dies, and on stop asks each to drain (it stops
 * accepting connections, finishes the requests in flight, then exits) and waits for all of them.
 */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  cluster.setupPrimary({ exec: options.exec, args: options.args, silent: false });
  let stopping = false;
  let announced = false;
  const listening = new Set<Worker>();

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: WorkerMessage) => {
      if (!('listening' in message)) return;
      listening.add(worker);
      if (!announced && listening.size === options.count) {
        announced = true;
        options.listening(message.listening);
      }
    });
    worker.on('exit', (code, signal) => {
      listening.delete(worker);
      if (stopping) return;
      options.log?.warn({ pid: worker.process.pid, code, signal }, 'worker died, starting another');
      fork();
    });
    return worker;
  };
  for (let i = 0; i < options.count; i += 1) fork();

  await options.stopRequested;
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          // `disconnect` closes the worker's IPC channel: the worker drains and exits.
          worker.disconnect();
        }),
    ),
  );
}

/** In a worker: tells the primary where it listens. */
export function reportListening(url: string): void {
  process.send?.({ listening: url } satisfies WorkerMessage);
}

/** In a worker: resolves when the primary asks it to stop (its IPC channel closes). */
export function primaryGone(): Promise<void> {
  return new Promise((resolve) => process.once('disconnect', () => resolve()));
}

export const isWorker = () => cluster.isWorker;
