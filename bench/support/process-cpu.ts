import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/**
 * CPU time (user + system, µs) the process `pid` has used so far, as the kernel counts it in
 * `/proc/<pid>/stat`: whatever the process is (node, redis-server), and without asking it.
 */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces; fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) / TICKS_PER_SECOND) * 1e6;
}

/**
 * Runs `work` and answers what it resolved and the CPU time (µs) each of `pids` used meanwhile,
 * in the order of `pids`.
 */
export async function cpuDuring<T>(
  pids: readonly number[],
  work: () => Promise<T>,
): Promise<{ result: T; micros: number[] }> {
  const before = pids.map((pid) => processCpuMicros(pid));
  const result = await work();
  return { result, micros: pids.map((pid, i) => processCpuMicros(pid) - (before[i] as number)) };
}
