// Zap latency: the time from a zap intent to `active` for the new source, in round trips, for
// rx-ssm (default axios transport) and for a vendor-style baseline client, against the reference
// server behind a proxy that delays every byte by half the round trip each way.
import axios from 'axios';
import { BehaviorSubject, Subject } from 'rxjs';
import {
  type LicenceAnswer,
  licenseHeaders,
  type SsmSource,
  type SsmState,
  ssmSession,
} from '../packages/rx-ssm/src/index.js';
import { createSsmServer, mintContentToken } from '../packages/server/src/index.js';
import { type DelayProxy, delayProxy } from './support/delay-proxy.js';
import { benchArgs, progress, writeResult } from './support/result.js';
import { type Spread, spread } from './support/stats.js';
import { type VendorSource, vendorClient } from './support/vendor-client.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';

type Order = 'teardown-first' | 'setup-first';

interface Scenario {
  id: string;
  client: 'rx-ssm' | 'baseline';
  sync: boolean;
  maxSessions: number;
  order: Order;
  /** Enforcement mode: `active` counts once the first licence answer switched the session. */
  licence?: boolean;
}

interface ScenarioResult extends Scenario {
  rttMs: number;
  zaps: number;
  /** Zap to `active`, in round trips, over the zaps that succeeded. */
  rtts: Spread;
  ms: Spread;
  /** Zaps the app saw fail with 1007 (the baseline) or a 6001 `isSessionLimit` (rx-ssm). */
  refusals: number;
  /** 1007 answers the server gave, including those rx-ssm retried. */
  serverRefusals: number;
}

const scenarios: Scenario[] = [
  { id: 'async', client: 'rx-ssm', sync: false, maxSessions: 2, order: 'teardown-first' },
  { id: 'async-limit', client: 'rx-ssm', sync: false, maxSessions: 1, order: 'teardown-first' },
  { id: 'async-limit', client: 'rx-ssm', sync: false, maxSessions: 1, order: 'setup-first' },
  { id: 'sync', client: 'rx-ssm', sync: true, maxSessions: 1, order: 'teardown-first' },
  {
    id: 'async',
    client: 'rx-ssm',
    sync: false,
    maxSessions: 2,
    order: 'teardown-first',
    licence: true,
  },
  {
    id: 'async-limit',
    client: 'rx-ssm',
    sync: false,
    maxSessions: 1,
    order: 'setup-first',
    licence: true,
  },
  {
    id: 'sync',
    client: 'rx-ssm',
    sync: true,
    maxSessions: 1,
    order: 'teardown-first',
    licence: true,
  },
  { id: 'async', client: 'baseline', sync: false, maxSessions: 2, order: 'teardown-first' },
  { id: 'async-limit', client: 'baseline', sync: false, maxSessions: 1, order: 'teardown-first' },
  { id: 'async-limit', client: 'baseline', sync: false, maxSessions: 1, order: 'setup-first' },
  { id: 'sync', client: 'baseline', sync: true, maxSessions: 1, order: 'teardown-first' },
];

const args = benchArgs();
const rtts = args.quick ? [50] : [50, 200];
const zapsAt = (rttMs: number) => (args.quick ? 3 : rttMs <= 50 ? 20 : 10);
const WARMUP_ZAPS = 1;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const server = createSsmServer({
  logger: false,
  secret: SECRET,
  clearKeys: { c: [{ kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' }] },
  heartbeatSeconds: 600, // no heartbeat during a zap
  sweepIntervalMs: false,
});
const origin = await server.listen(0);
const { port } = new URL(origin);

let accounts = 0;
async function sourcesFor(maxSessions: number, ssmServerUrl: string, drmEnforced = false) {
  const accountId = `account-${++accounts}`;
  const token = await mintContentToken({
    secret: SECRET,
    accountId,
    contentId: 'c',
    maxSessions,
    drmEnforced,
  });
  const [a, b] = ['a', 'b'].map((name) => ({ src: `${accountId}-${name}`, token, ssmServerUrl }));
  return { accountId, a: a!, b: b! };
}

/** Resolves once the server holds `count` sessions of the account. */
async function liveSessions(accountId: string, count: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  while ((await server.liveSessions(accountId)) !== count) {
    if (performance.now() > deadline) throw new Error(`${accountId} never held ${count}`);
    await sleep(2);
  }
}

async function serverRefusals(): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  return Number(/rx_ssm_refusals_total\{errorCode="1007"\} (\d+)/.exec(text)?.[1] ?? 0);
}

/** One SSM call through the proxy: a teardown the server refuses at once (no store write). */
async function oneCallMs(proxy: DelayProxy): Promise<Spread> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    await axios.post(`${proxy.origin}/v1/sessions/teardown`, '{}', {
      headers: { 'nv-authorizations': 'x'.repeat(43), 'Content-Type': 'application/json' },
      validateStatus: () => true,
    });
    if (i > 1) times.push(performance.now() - started);
  }
  return spread(times);
}

/**
 * A ClearKey player's licence request through the proxy, as soon as a session is active; its
 * answer (with the next session token, in enforcement mode) goes to `licence$`.
 */
function licenceRequests(proxy: DelayProxy, licence$: Subject<LicenceAnswer>) {
  return async (state: SsmState) => {
    if (state.status !== 'active' || state.renewal !== 'heartbeat') return;
    const response = await fetch(`${proxy.origin}/license/clearkey`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...licenseHeaders(state) },
      body: '{"kids":[],"type":"temporary"}',
    });
    const body = (await response.json()) as { sessionToken?: string };
    if (response.ok) licence$.next({ src: state.source.src, sessionToken: body.sessionToken });
  };
}

/** rx-ssm zapping between two sources; latencies in ms of the zaps that reached `active`. */
async function sdkZaps(scenario: Scenario, proxy: DelayProxy, rttMs: number, zaps: number) {
  const { accountId, a, b } = await sourcesFor(
    scenario.maxSessions,
    proxy.origin,
    scenario.licence,
  );
  const source$ = new BehaviorSubject<SsmSource | null>(a);
  const licence$ = new Subject<LicenceAnswer>();
  const { session$, errors$ } = ssmSession({ source$, licence$ }, { syncMode: scenario.sync });
  const requestLicence = licenceRequests(proxy, licence$);
  const arrived = (state: SsmState): state is Extract<SsmState, { status: 'active' | 'error' }> =>
    state.status === 'error' ||
    (state.status === 'active' && (!scenario.licence || state.renewal === 'licence'));
  let refusals = 0;
  let waiting: { src: string; settle: (state: SsmState, at: number) => void } | undefined;
  const arrival = (src: string) =>
    new Promise<{ state: SsmState; at: number }>((resolve) => {
      waiting = { src, settle: (state, at) => resolve({ state, at }) };
    });
  const errors = errors$.subscribe((error) => {
    if (error.isSessionLimit) refusals += 1;
  });
  let first = arrival(a.src);
  const states = session$.subscribe((state) => {
    const at = performance.now();
    if (scenario.licence) void requestLicence(state);
    if (!waiting || !arrived(state)) return;
    if (state.source.src !== waiting.src) return;
    const { settle } = waiting;
    waiting = undefined;
    settle(state, at);
  });
  await first;
  await liveSessions(accountId, 1);
  const latencies: number[] = [];
  for (let i = 0; i < zaps + WARMUP_ZAPS; i++) {
    const target = i % 2 === 0 ? b : a;
    first = arrival(target.src);
    const started = performance.now();
    source$.next(target);
    const { state, at } = await first;
    const ok = state.status === 'active';
    if (ok && i >= WARMUP_ZAPS) latencies.push(at - started);
    await liveSessions(accountId, ok ? 1 : 0);
    await sleep(rttMs); // every answer is back before the next zap
  }
  states.unsubscribe();
  errors.unsubscribe();
  await liveSessions(accountId, 0);
  return { latencies, refusals };
}

/** The vendor-style client zapping between two sources. */
async function baselineZaps(scenario: Scenario, proxy: DelayProxy, rttMs: number, zaps: number) {
  const { accountId, a, b } = await sourcesFor(scenario.maxSessions, proxy.origin);
  const client = vendorClient({ sync: scenario.sync });
  if (!(await client.zap(a)).ok) throw new Error('baseline: first setup failed');
  let refusals = 0;
  const latencies: number[] = [];
  for (let i = 0; i < zaps + WARMUP_ZAPS; i++) {
    const target: VendorSource = i % 2 === 0 ? b : a;
    const started = performance.now();
    const outcome = await client.zap(target);
    const ms = performance.now() - started;
    if (outcome.ok && i >= WARMUP_ZAPS) latencies.push(ms);
    if (!outcome.ok) {
      if (outcome.serverCode !== 1007)
        throw new Error(`baseline: setup failed ${outcome.serverCode}`);
      if (i >= WARMUP_ZAPS) refusals += 1;
      // The viewer tries again: the old session is gone by now, so this one gets the slot.
      await liveSessions(accountId, 0);
      if (!(await client.zap(target)).ok) throw new Error('baseline: setup after refusal failed');
    }
    await liveSessions(accountId, 1);
    await sleep(rttMs);
  }
  await client.stop();
  await liveSessions(accountId, 0);
  return { latencies, refusals };
}

const results: ScenarioResult[] = [];
const oneCall: Record<number, Spread> = {};
for (const rttMs of rtts) {
  const target = { host: '127.0.0.1', port: Number(port) };
  const proxies: Record<Order, DelayProxy> = {
    'teardown-first': await delayProxy(target, { oneWayMs: rttMs / 2 }),
    'setup-first': await delayProxy(target, { oneWayMs: rttMs / 2, setupFirst: true }),
  };
  oneCall[rttMs] = await oneCallMs(proxies['teardown-first']);
  const zaps = zapsAt(rttMs);
  for (const scenario of scenarios) {
    progress(`zap RTT ${rttMs} ms: ${scenario.client} ${scenario.id} (${scenario.order})`);
    const refusedBefore = await serverRefusals();
    const run = scenario.client === 'rx-ssm' ? sdkZaps : baselineZaps;
    const { latencies, refusals } = await run(scenario, proxies[scenario.order], rttMs, zaps);
    results.push({
      ...scenario,
      rttMs,
      zaps,
      ms: spread(latencies),
      rtts: spread(latencies.map((ms) => ms / rttMs)),
      refusals,
      serverRefusals: (await serverRefusals()) - refusedBefore,
    });
  }
  for (const proxy of Object.values(proxies)) await proxy.close();
}
await server.close();

writeResult(args, {
  /** One SSM call through the proxy, in ms, by round trip: the floor of any zap. */
  oneCall,
  scenarios: results,
});
process.exit(0);
