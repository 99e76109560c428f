import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuMicros } from './process-cpu.js';
import { freePort } from './redis.js';

/** `rx-ssm serve` in a process of its own, with its workers if it has any. */
export interface CliServer {
  readonly origin: string;
  /** The serving processes: the primary and, with `--workers`, each worker. */
  pids(): number[];
  /** CPU time (µs) the primary and its workers have used so far. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/** The processes whose parent is `pid`, from `/proc`. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

/**
 * Runs `node rx-ssm.mjs serve --port <free> --log-format json …args` (the CLI bundled beside
 * this one) and resolves once it listens: with `--workers`, once the primary says every worker
 * does.
 */
export async function startCliServer(args: string[]): Promise<CliServer> {
  const port = await freePort();
  const workers = args.includes('--workers');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(import.meta.dirname, 'rx-ssm.mjs'),
      'serve',
      '--port',
      String(port),
      '--no-example',
      '--log-format',
      'json',
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  const ready = workers ? 'SSM server listening on every worker' : 'SSM server listening';
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`rx-ssm serve not listening:\n${output}`)),
      20_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`"msg":"${ready}"`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rx-ssm serve exited with ${code}:\n${output}`));
    });
  });
  // Warnings (a write answered before its replicas) go on being written: keep reading them.
  child.stderr?.resume();
  const pid = child.pid as number;
  const pids = () => [pid, ...childrenOf(pid)];
  return {
    origin: `http://127.0.0.1:${port}`,
    pids,
    cpuMicros: () => pids().reduce((sum, p) => sum + processCpuMicros(p), 0),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      const all = pids();
      child.kill('SIGTERM');
      const cut = setTimeout(() => {
        for (const p of all) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }, 5000);
      await exited;
      clearTimeout(cut);
    },
  };
}
