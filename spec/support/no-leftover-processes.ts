import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';

/**
 * vitest global setup: every process the suite starts (workers, servers, redis-server, Chromium)
 * inherits a mark in its environment, and when the suite ends none may be left running. Any that
 * is still there is named, killed, and fails the run: a suite leaves nothing behind.
 */
const MARK = 'RX_SSM_SUITE_RUN';

/** Pids whose environment carries `mark`, with their command lines (Linux `/proc`). */
async function marked(mark: string): Promise<Array<{ pid: number; command: string }>> {
  const found: Array<{ pid: number; command: string }> = [];
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return found; // no /proc (not Linux): nothing to check
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
      if (!environ.split('\0').includes(mark)) continue;
      const command = (await readFile(`/proc/${pid}/cmdline`, 'latin1')).replaceAll('\0', ' ');
      found.push({ pid, command: command.trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export default function setup() {
  const value = randomUUID();
  process.env[MARK] = value;
  return async function teardown() {
    const mark = `${MARK}=${value}`;
    // Workers and their children get a moment to finish exiting after the last spec.
    let left = await marked(mark);
    for (let waited = 0; left.length > 0 && waited < 5000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = await marked(mark);
    }
    if (left.length === 0) return;
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    // vitest reports an error thrown here but keeps its exit code: set it too.
    process.exitCode = 1;
    throw new Error(
      `the suite left ${left.length} process(es) running:\n${left
        .map(({ pid, command }) => `  ${pid} ${command}`)
        .join('\n')}`,
    );
  };
}
