import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** The pids still in a process group (`ps`), to check that whatever a spec started has ended. */
export async function groupMembers(pgid: number): Promise<number[]> {
  const ps = spawn('ps', ['-eo', 'pid=,pgid=']);
  let text = '';
  ps.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await once(ps, 'exit');
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, group]) => group === pgid)
    .map(([pid]) => pid ?? 0);
}

/** Kills a whole process group, if it is still there: a spec's last word on what it started. */
export function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}
