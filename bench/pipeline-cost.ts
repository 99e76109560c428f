// Pipeline cost: thousands of concurrent ssmSession pipelines in this process, heartbeating
// against the reference server in another process (`--transport=axios`, the default transport
// with one keep-alive agent) or against a stub transport that answers in this process
// (`--transport=stub`: the SDK's own cost, without an HTTP client). Heap per live pipeline
// (after GC), CPU time per heartbeat, and heartbeats late by more than 100 ms or missed.
import { Agent } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import axios from 'axios';
import { of, type Subscription, tap } from 'rxjs';
import {
  axiosTransport,
  type SsmIntents,
  type SsmOptions,
  type SsmSource,
  type SsmTransport,
  ssmSession,
} from '../packages/rx-ssm/src/index.js';
import { mintContentToken } from '../packages/server/src/index.js';
import { benchArgs, progress, writeResult } from './support/result.js';
import { startServerProcess } from './support/server-process.js';
import { quantile, spread } from './support/stats.js';
import { stubTransport } from './support/stub-transport.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const PIPELINES = Number(
  process.argv.find((arg) => arg.startsWith('--pipelines='))?.slice(12) ??
    (args.quick ? 200 : 10_000),
);
const TRANSPORT = process.argv.includes('--transport=stub') ? 'stub' : 'axios';
const HEARTBEAT_SECONDS = 2;
const PERIOD_MS = HEARTBEAT_SECONDS * 1000;
/** The measurement, split in windows: each window's figures are one sample. */
const WINDOWS = args.quick ? 2 : 6;
const WINDOW_MS = args.quick ? 2_000 : 10_000;
const LATE_MS = 100;
/** Sessions per account: a handful per account is what an SSM server sees. */
const PER_ACCOUNT = 100;
/**
 * Pipelines started per pause: axios costs ~0.5 ms of client CPU a request, so its start is
 * kept to 500 setups/s, leaving room for the first heartbeats to go out on time.
 */
const RAMP_BATCH = TRANSPORT === 'axios' ? 25 : 250;
const RAMP_PAUSE_MS = 50;
const SOCKETS = 64;
/** Periods to let things settle after the start and after forced GCs. */
const SETTLE_MS = (args.quick ? 1 : 2) * HEARTBEAT_SECONDS * 1000;

const gc = globalThis.gc;
if (!gc) throw new Error('run with --expose-gc');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const heapAfterGc = async () => {
  gc();
  await sleep(50);
  gc();
  return process.memoryUsage().heapUsed;
};

const server =
  TRANSPORT === 'axios'
    ? await startServerProcess({
        kind: 'memory',
        secret: SECRET,
        heartbeatSeconds: HEARTBEAT_SECONDS,
      })
    : undefined;
const ssmServerUrl = server?.origin ?? 'http://ssm.invalid';

// One keep-alive agent for every pipeline.
const instance = axios.create({ httpAgent: new Agent({ keepAlive: true, maxSockets: SOCKETS }) });
const base = server ? axiosTransport(instance) : stubTransport(HEARTBEAT_SECONDS);

/** Sessions the server holds; with the stub, the pipelines that set up and did not tear down. */
let stubLive = 0;
async function liveSessions(): Promise<number> {
  if (!server) return stubLive;
  const text = await (await fetch(`${ssmServerUrl}/metrics`)).text();
  return Number(/^rx_ssm_live_sessions (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/**
 * CPU time of one request of the HTTP client alone (axios, the same agent), at the same
 * concurrency as the heartbeats will have: what any client pays per heartbeat before the SDK.
 */
async function clientCallCpuMicros(requests: number): Promise<number> {
  const send = () =>
    instance.post(`${ssmServerUrl}/v1/sessions/heartbeat`, '{}', {
      headers: { 'nv-authorizations': 'x'.repeat(43), 'Content-Type': 'application/json' },
      responseType: 'text',
      validateStatus: () => true,
    });
  for (let i = 0; i < 200; i++) await send(); // warm
  const before = process.cpuUsage();
  let left = requests;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (left-- > 0) await send();
    }),
  );
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / requests;
}

const tokens: string[] = [];
for (let i = 0; i < Math.ceil(PIPELINES / PER_ACCOUNT); i++) {
  tokens.push(
    await mintContentToken({
      secret: SECRET,
      accountId: `account-${i}`,
      contentId: 'channel',
      maxSessions: PER_ACCOUNT,
    }),
  );
}

// What the measurement itself keeps, allocated before the baseline heap is taken.
const lastSentAt = new Float64Array(PIPELINES);
const activeOnce = new Uint8Array(PIPELINES);
const lateness = new Float64Array(PIPELINES * Math.ceil((WINDOWS * WINDOW_MS) / PERIOD_MS + 4));
let latenessCount = 0;
const perWindow = Array.from({ length: WINDOWS }, () => ({
  heartbeats: 0,
  late: 0,
  missed: 0,
  failed: 0,
  clientCpuMicros: 0,
  serverCpuMicros: 0,
}));
/** The window being measured; -1 outside the measurement. */
let current = -1;
let activeCount = 0;
let errorStates = 0;
/** Why pipelines ended in `error`, by message. */
const errorMessages = new Map<string, number>();

/** Notes one heartbeat answer of pipeline `i`, sent at `sentAt`. */
function heartbeatAnswered(i: number, sentAt: number, ok: boolean): void {
  const previous = lastSentAt[i]!;
  lastSentAt[i] = sentAt;
  if (current < 0 || previous === 0) return;
  const window = perWindow[current]!;
  window.heartbeats += 1;
  if (!ok) {
    window.failed += 1;
    window.missed += 1;
    return;
  }
  // How long after it was due (a period after the previous one) the session was renewed.
  const late = performance.now() - (previous + PERIOD_MS);
  if (latenessCount < lateness.length) lateness[latenessCount++] = late;
  if (late > LATE_MS) window.late += 1;
  const skipped = Math.round((sentAt - previous) / PERIOD_MS) - 1;
  if (skipped > 0) window.missed += skipped;
}

/** Pipeline `i`'s transport: the shared transport, timing its heartbeats. */
const transportOf =
  (i: number): SsmTransport =>
  (req) => {
    if (req.call === 'setup') stubLive += 1;
    if (req.call === 'teardown') return base(req).pipe(tap({ next: () => (stubLive -= 1) }));
    if (req.call !== 'heartbeat') return base(req);
    const sentAt = performance.now();
    return base(req).pipe(
      tap({
        next: (response) => heartbeatAnswered(i, sentAt, response.status === 200),
        error: () => heartbeatAnswered(i, sentAt, false),
      }),
    );
  };

const sources: SsmSource[] = [];
const intents: SsmIntents[] = [];
const options: SsmOptions[] = [];
for (let i = 0; i < PIPELINES; i++) {
  const source = { src: `channel-${i}`, token: tokens[Math.floor(i / PER_ACCOUNT)]!, ssmServerUrl };
  sources.push(source);
  intents.push({ source$: of(source) });
  options.push({ transport: transportOf(i) });
}
const subscriptions: Subscription[] = new Array(PIPELINES);

/** Starts pipelines `from`..`to` and subscribes to their `session$` as an app would. */
function start(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    subscriptions[i] = ssmSession(intents[i]!, options[i]).session$.subscribe((state) => {
      if (state.status === 'active' && !activeOnce[i]) {
        activeOnce[i] = 1;
        activeCount += 1;
      } else if (state.status === 'error') {
        errorStates += 1;
        errorMessages.set(state.error.message, (errorMessages.get(state.error.message) ?? 0) + 1);
      }
    });
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 120_000) {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// Warm up the code paths (JIT, axios, sockets) with a few pipelines, then take the baseline.
progress('pipelines: warm-up');
{
  const warm = Array.from({ length: Math.min(200, PIPELINES) }, (_, i) =>
    ssmSession(
      { source$: of({ ...sources[i]!, src: `warm-${i}` }) },
      { transport: transportOf(i) },
    ),
  );
  let active = 0;
  const subs = warm.map((session) =>
    session.session$.subscribe((state) => {
      if (state.status === 'active') active += 1;
    }),
  );
  await until(() => active >= 2 * warm.length, 'warm-up heartbeats'); // setup + one heartbeat
  for (const sub of subs) sub.unsubscribe();
  await until(async () => (await liveSessions()) === 0, 'warm-up teardown');
}
const callCpuMicros = server ? await clientCallCpuMicros(args.quick ? 500 : 5000) : Number.NaN;
lastSentAt.fill(0);
const baselineHeap = await heapAfterGc();

progress(`pipelines: starting ${PIPELINES}`);
const rampStarted = performance.now();
for (let from = 0; from < PIPELINES; from += RAMP_BATCH) {
  start(from, Math.min(PIPELINES, from + RAMP_BATCH));
  await sleep(RAMP_PAUSE_MS);
}
await until(() => activeCount + errorStates >= PIPELINES, 'every pipeline active');
const rampMs = performance.now() - rampStarted;
await sleep(SETTLE_MS);

const heapSamples: number[] = [];
const sampleHeap = async () => {
  for (let k = 0; k < 3; k++) {
    heapSamples.push(((await heapAfterGc()) - baselineHeap) / PIPELINES);
    await sleep(200);
  }
};
progress('pipelines: heap after start');
await sampleHeap();
await sleep(SETTLE_MS); // the forced GCs above are not part of the measurement

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
for (let w = 0; w < WINDOWS; w++) {
  progress(`pipelines: window ${w + 1}/${WINDOWS}`);
  const cpuBefore = process.cpuUsage();
  const serverBefore = (await server?.cpuMicros()) ?? 0;
  current = w;
  await sleep(WINDOW_MS);
  current = -1;
  const cpu = process.cpuUsage(cpuBefore);
  perWindow[w]!.clientCpuMicros = cpu.user + cpu.system;
  perWindow[w]!.serverCpuMicros = ((await server?.cpuMicros()) ?? 0) - serverBefore;
  // A pipeline that has sent nothing for one and a half periods has stalled.
  const now = performance.now();
  for (let i = 0; i < PIPELINES; i++) {
    if (now - lastSentAt[i]! > 1.5 * PERIOD_MS) perWindow[w]!.missed += 1;
  }
}
loopDelay.disable();

progress('pipelines: heap at the end');
await sampleHeap();
const liveBeforeStop = await liveSessions();

progress('pipelines: unsubscribing');
for (const subscription of subscriptions) subscription.unsubscribe();
await until(async () => (await liveSessions()) === 0, 'every teardown', 60_000);
const heapAfterStop = ((await heapAfterGc()) - baselineHeap) / PIPELINES;
await server?.stop();

const samples = Array.from(lateness.subarray(0, latenessCount));
writeResult(args, {
  transport: TRANSPORT,
  pipelines: PIPELINES,
  /** CPU time of one bare axios request (no SDK), same agent, same process. */
  clientCallCpuMicros: callCpuMicros,
  heartbeatSeconds: HEARTBEAT_SECONDS,
  windows: WINDOWS,
  windowMs: WINDOW_MS,
  lateMs: LATE_MS,
  sockets: SOCKETS,
  rampMs,
  errorStates,
  errorMessages: Object.fromEntries([...errorMessages].sort((a, b) => b[1] - a[1]).slice(0, 5)),
  liveBeforeStop,
  heapBytesPerPipeline: spread(heapSamples),
  heapBytesPerPipelineAfterStop: heapAfterStop,
  heartbeatsPerSecond: spread(perWindow.map((w) => (w.heartbeats * 1000) / WINDOW_MS)),
  expectedPerSecond: PIPELINES / HEARTBEAT_SECONDS,
  clientCpuMicrosPerHeartbeat: spread(perWindow.map((w) => w.clientCpuMicros / w.heartbeats)),
  serverCpuMicrosPerHeartbeat: spread(perWindow.map((w) => w.serverCpuMicros / w.heartbeats)),
  clientCpuShare: spread(perWindow.map((w) => w.clientCpuMicros / (WINDOW_MS * 1000))),
  serverCpuShare: spread(perWindow.map((w) => w.serverCpuMicros / (WINDOW_MS * 1000))),
  late: spread(perWindow.map((w) => w.late)),
  missed: spread(perWindow.map((w) => w.missed)),
  failed: spread(perWindow.map((w) => w.failed)),
  totals: {
    heartbeats: perWindow.reduce((sum, w) => sum + w.heartbeats, 0),
    late: perWindow.reduce((sum, w) => sum + w.late, 0),
    missed: perWindow.reduce((sum, w) => sum + w.missed, 0),
    failed: perWindow.reduce((sum, w) => sum + w.failed, 0),
  },
  latenessMs: {
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
    max: samples.reduce((max, value) => Math.max(max, value), Number.NEGATIVE_INFINITY),
  },
  eventLoopDelayMs: {
    p50: loopDelay.percentile(50) / 1e6,
    p99: loopDelay.percentile(99) / 1e6,
    max: loopDelay.max / 1e6,
  },
});
process.exit(0);
