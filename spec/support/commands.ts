import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { killGroup } from './process-group.js';

/** How a command ended, with everything it printed. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in a process group of its own and resolves when it ends; past `timeoutMs` the
 * whole group is killed and the result says so (code `null`). Nothing it started outlives it.
 */
export async function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const result: CommandResult = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    result.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    result.stderr += chunk.toString();
  });
  const timer = setTimeout(() => killGroup(child.pid), options.timeoutMs);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    result.code = code;
  } finally {
    clearTimeout(timer);
    killGroup(child.pid);
  }
  return result;
}

/** A long-running command (a server) in its own process group, until `stop()` kills the group. */
export interface RunningCommand {
  child: ChildProcess;
  /** Resolves with the first match of `pattern` in its stdout; rejects if it exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Resolves when it exits by itself, with its code and all it printed; rejects past `timeoutMs`. */
  exit(timeoutMs: number): Promise<{ code: number | null; output: string }>;
  stop(): Promise<void>;
}

/** Starts a command in a process group of its own. */
export function startCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): RunningCommand {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = once(child, 'exit');
  return {
    child,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return false;
          cleanup();
          resolve(match);
          return true;
        };
        const onData = () => check();
        const onExit = () => {
          cleanup();
          reject(new Error(`${command} exited before printing ${pattern}: ${output}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${command} printed no ${pattern} within ${timeoutMs} ms: ${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.off('exit', onExit);
        };
        if (check()) return;
        child.stdout?.on('data', onData);
        child.once('exit', onExit);
      }),
    exit: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${command} did not exit within ${timeoutMs} ms: ${output}`)),
          timeoutMs,
        );
        exited.then(([code]) => {
          clearTimeout(timer);
          resolve({ code: code as number | null, output });
        });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child.pid);
        await exited;
      } else {
        killGroup(child.pid);
      }
    },
  };
}
