// Where the server's CPU goes: each workload (heartbeat, setup+teardown) on each store (memory,
// Redis), and the bare node:http handler for reference, driven by the raw keep-alive client while
// the server process runs under `node --cpu-prof`. Writes the .cpuprofile files to
// bench/.out/profiles/ (open them in Chrome DevTools) and prints each one's top self-time
// functions.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mintContentToken } from '../packages/server/src/index.js';
import { type SelfTime, topSelfTime } from './support/cpu-profile.js';
import { runRawLoad } from './support/raw-http-client.js';
import { hasRedis, startRedis } from './support/redis.js';
import { benchArgs, progress, writeResult } from './support/result.js';
import { startServerProcess } from './support/server-process.js';
import { sessionScenarios, type Workload } from './support/session-load.js';
import type { ServerKind } from './support/ssm-server-process.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const SECONDS = args.quick ? 0.5 : 5;
const CONNECTIONS = 32;
const TOP = 10;
const profileDir = join(import.meta.dirname, 'profiles');

const redis = hasRedis() ? await startRedis() : undefined;
const contentToken = await mintContentToken({
  secret: SECRET,
  accountId: 'profile',
  contentId: 'channel',
  maxSessions: 1_000_000,
});

const cases: Array<{ kind: ServerKind; workload: Workload }> = [];
for (const workload of ['heartbeat', 'cycle'] as const) {
  for (const kind of ['memory', 'redis', 'bare'] as const) {
    if (kind === 'redis' && !redis) continue;
    if (kind === 'bare' && workload === 'cycle') continue;
    cases.push({ kind, workload });
  }
}

await rm(profileDir, { recursive: true, force: true });
await mkdir(profileDir, { recursive: true });
const profiles: Array<{
  kind: ServerKind;
  workload: Workload;
  file: string;
  /** Requests answered while profiled. */
  requests: number;
  busyMs: number;
  top: SelfTime[];
}> = [];
for (const { kind, workload } of cases) {
  const name = `${workload}-${kind}`;
  progress(`profile: ${name}, ${SECONDS} s`);
  const dir = join(profileDir, name);
  const server = await startServerProcess({
    kind,
    secret: SECRET,
    heartbeatSeconds: 60,
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    ...(redis && { redisUrl: redis.url, redisPrefix: `profile-${process.pid}-${name}:` }),
  });
  const scenarios = await sessionScenarios(server.origin, workload, contentToken, CONNECTIONS);
  const { answers } = await runRawLoad(server.origin, scenarios, SECONDS);
  await server.stop();
  const [written] = await readdir(dir);
  if (!written) throw new Error(`no CPU profile was written for ${name}`);
  const file = join(dir, written);
  profiles.push({ kind, workload, file, requests: answers, ...topSelfTime(file, TOP) });
}
await redis?.stop();

// Wall-clock samples: shares of the busy time, not CPU time (the throughput bench reads that).
for (const { kind, workload, file, requests, busyMs, top } of profiles) {
  console.log(
    `\n${workload} on ${kind}: ${requests} requests, ${busyMs.toFixed(0)} ms busy, ${file}`,
  );
  for (const { name, where, ms, share } of top) {
    const percent = (share * 100).toFixed(1).padStart(5);
    console.log(`  ${percent} %  ${ms.toFixed(0).padStart(6)} ms  ${name}  ${where}`);
  }
}
writeResult(args, { seconds: SECONDS, connections: CONNECTIONS, profiles });
process.exit(0);
