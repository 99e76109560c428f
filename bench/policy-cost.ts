// What the concurrency policy costs the server: setup+teardown cycles per serving CPU-second
// with the full rule set (maxSessions, maxDevices, maxSessionsPerContent, contentGroup +
// maxSessionsPerGroup) against maxSessions alone, on the memory store and on the Redis store,
// all in one run with the repetitions interleaved. Each connection is an account of its own
// that already holds one session (another content, another device), so every setup with the
// full rule set reads and weighs a held session, as a real account's would; with maxSessions
// alone the Redis script counts and reads nothing. Both send the same setup body, a device.
import { mintContentToken } from '../packages/server/src/index.js';
import { cpuDuring } from './support/process-cpu.js';
import { type RawScenario, runRawLoad, sessionTokenIn } from './support/raw-http-client.js';
import { hasRedis, type RedisProcess, startRedis } from './support/redis.js';
import { benchArgs, progress, writeResult } from './support/result.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import type { ServerKind } from './support/ssm-server-process.js';
import { type Spread, spread } from './support/stats.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const REPS = args.quick ? 1 : 8;
const DURATION_S = args.quick ? 0.5 : 2.5;
const CONNECTIONS = 32;
const HEARTBEAT_SECONDS = 60;

type Rules = 'maxSessions' | 'full';
const ruleSets: Rules[] = ['maxSessions', 'full'];
const kinds: ServerKind[] = hasRedis() ? ['memory', 'redis'] : ['memory'];

const redis: RedisProcess | undefined = kinds.includes('redis') ? await startRedis() : undefined;
const servers = new Map<ServerKind, ServerProcess>();
for (const kind of kinds) {
  servers.set(
    kind,
    await startServerProcess({
      kind,
      secret: SECRET,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      ...(redis && { redisUrl: redis.url, redisPrefix: `policy-${process.pid}:` }),
    }),
  );
}

/** A content token of `accountId` with `rules`: the limits an account of three screens has. */
function contentToken(accountId: string, contentId: string, rules: Rules) {
  const full = rules === 'full' && {
    maxDevices: 2,
    maxSessionsPerContent: 1,
    contentGroup: contentId === 'resident' ? 'movies' : 'sports',
    maxSessionsPerGroup: 1,
  };
  return mintContentToken({
    secret: SECRET,
    accountId,
    contentId,
    maxSessions: 3,
    ...full,
  });
}

function setupWithDevice(host: string, token: string, deviceId: string): string {
  const body = JSON.stringify({ device: { id: deviceId, name: 'Bench screen', type: 'tv' } });
  return (
    `POST /v1/sessions/setup HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nnv-authorizations: ${token}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function teardown(host: string, token: string): string {
  return (
    `POST /v1/sessions/teardown HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nnv-authorizations: ${token}\r\n` +
    'Content-Length: 2\r\n\r\n{}'
  );
}

/** A setup on the screen `tv`, then the teardown of the session it got, and again. */
function cycles(host: string, contentToken: string): RawScenario {
  let setupNext = true;
  return {
    next(_status, body) {
      const call = setupNext
        ? setupWithDevice(host, contentToken, 'tv')
        : teardown(host, sessionTokenIn(body) ?? 'no-session-token-answered');
      setupNext = !setupNext;
      return call;
    },
  };
}

let round = 0;
/** One account per connection, each holding a session on its screen `home` before the run. */
async function scenarios(server: ServerProcess, rules: Rules): Promise<RawScenario[]> {
  round += 1;
  const host = new URL(server.origin).host;
  return Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, n) => {
      const accountId = `policy-${round}-${n}`;
      const resident = await contentToken(accountId, 'resident', rules);
      const answer = await fetch(`${server.origin}/v1/sessions/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'nv-authorizations': resident },
        body: JSON.stringify({ device: { id: 'home', name: 'Home screen' } }),
      });
      if (answer.status !== 200) throw new Error(`resident setup answered ${answer.status}`);
      return cycles(host, await contentToken(accountId, 'channel', rules));
    }),
  );
}

interface Run {
  perCpuSecond: number;
  rate: number;
  failures: number;
}

async function drive(kind: ServerKind, rules: Rules): Promise<Run> {
  const server = servers.get(kind) as ServerProcess;
  const prepared = await scenarios(server, rules);
  const pids = kind === 'redis' && redis ? [server.pid, redis.pid] : [server.pid];
  const { result: timed, micros: used } = await cpuDuring(pids, () =>
    runRawLoad(server.origin, prepared, DURATION_S),
  );
  const micros = used.reduce((sum, each) => sum + each, 0);
  const done = timed.answers / 2;
  return {
    perCpuSecond: done / (micros / 1e6),
    rate: done / (timed.ms / 1000),
    failures: timed.non2xx + timed.errors,
  };
}

const targets = kinds.flatMap((kind) => ruleSets.map((rules) => ({ kind, rules })));
const key = ({ kind, rules }: { kind: ServerKind; rules: Rules }) => `${kind}/${rules}`;
const runs = new Map<string, Run[]>();
progress('policy: warm-up');
for (const target of targets) await drive(target.kind, target.rules);
for (let rep = 0; rep < REPS; rep++) {
  // Rotate the order, so no variant always runs right after the same one.
  const order = targets.map(
    (_, i) => targets[(i + rep) % targets.length] as (typeof targets)[number],
  );
  for (const target of order) {
    progress(`policy ${rep + 1}/${REPS}: ${key(target)}`);
    const run = await drive(target.kind, target.rules);
    runs.set(key(target), [...(runs.get(key(target)) ?? []), run]);
  }
}

for (const server of servers.values()) await server.stop();
await redis?.stop();

const figures: Record<
  string,
  {
    kind: ServerKind;
    rules: Rules;
    rate: Spread;
    perCpuSecond: Spread;
    costRatio: Spread;
    failures: number;
  }
> = {};
for (const target of targets) {
  const alone = runs.get(key({ kind: target.kind, rules: 'maxSessions' })) as Run[];
  const list = runs.get(key(target)) as Run[];
  figures[key(target)] = {
    ...target,
    rate: spread(list.map((run) => run.rate)),
    perCpuSecond: spread(list.map((run) => run.perCpuSecond)),
    // CPU per cycle as a ratio to maxSessions alone on the same store, in the same repetition.
    costRatio: spread(list.map((run, rep) => (alone[rep] as Run).perCpuSecond / run.perCpuSecond)),
    failures: list.reduce((sum, run) => sum + run.failures, 0),
  };
}
writeResult(args, {
  connections: CONNECTIONS,
  durationSeconds: DURATION_S,
  repetitions: REPS,
  figures,
});
process.exit(0);
