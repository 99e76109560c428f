import { config, Subject } from 'rxjs';
import {
  type AppState,
  axiosTransport,
  type SsmSource,
  ssmSession,
} from '../../packages/rx-ssm/src/index.js';
import {
  createSsmServer,
  memoryStore,
  mintContentToken,
  type SsmServer,
  type SsmStore,
} from '../../packages/server/src/index.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { label } from './marbles.js';
import {
  isTokenTimeout,
  type PipelineWatch,
  settledAsExpected,
  settledPattern,
  watchPipeline,
} from './pipeline-watch.js';
import { sessionLedger } from './session-ledger.js';
import { SPEC_SECRET } from './ssm-server.js';
import type { RunReport } from './storm-check.js';
import {
  intend,
  lastIntentAt,
  NOTHING_INTENDED,
  type Scenario,
  type SourceKey,
  STORM_APP_STATES,
  settledExpectation,
  timeline,
  wantedOf,
} from './storm-scenario.js';

/** Timing of a real-HTTP storm run, in ms. */
export const HTTP_TIMING = {
  /** The server's renewal period: heartbeats every 50 ms, expiry after 100 ms unrenewed. */
  heartbeatSeconds: 0.05,
  tokenTimeoutMs: 40,
  /** A run that has not settled, or not torn everything down, by then fails. */
  patienceMs: 3000,
};

/** The reference server behind a delaying proxy, with a clock that moves only by `expire`. */
export interface HttpStormBench {
  server: SsmServer;
  proxy: FaultProxy;
  now(): number;
  /** Moves the server's clock past every session's lifetime. */
  expireAll(): void;
  /** Calls `check` whenever the server admits a session of `accountId`, with its live count. */
  onAdmit(accountId: string, check: (live: number) => void): () => void;
  close(): Promise<void>;
}

/**
 * A store that reports, at each admission, how many sessions the account holds right after it.
 * The memory store answers synchronously within its calls, so the count is exact at that moment.
 */
function admissionsWatched(store: SsmStore, admitted: (accountId: string, live: number) => void) {
  return {
    ...store,
    admit(admission, now) {
      const result = store.admit(admission, now);
      const live = store.count(admission.session.accountId, now);
      void Promise.all([result, live]).then(
        ([{ admitted: yes }, count]) => yes && admitted(admission.session.accountId, count),
      );
      return result;
    },
  } satisfies SsmStore;
}

export async function startHttpStormBench(): Promise<HttpStormBench> {
  let now = Date.now();
  const checks = new Map<string, (live: number) => void>();
  const clock = () => now;
  const store = admissionsWatched(memoryStore({ clock }), (accountId, live) =>
    checks.get(accountId)?.(live),
  );
  const server = createSsmServer({
    logger: false,
    secret: SPEC_SECRET,
    clock,
    store,
    heartbeatSeconds: HTTP_TIMING.heartbeatSeconds,
    minHeartbeatSeconds: HTTP_TIMING.heartbeatSeconds,
    sweepIntervalMs: false,
  });
  const origin = await server.listen(0);
  const proxy = await startFaultProxy({ upstream: origin });
  return {
    server,
    proxy,
    now: clock,
    expireAll() {
      now += HTTP_TIMING.heartbeatSeconds * 2 * 1000 + 1;
    },
    onAdmit(accountId, check) {
      checks.set(accountId, check);
      return () => checks.delete(accountId);
    },
    async close() {
      await proxy.close();
      await server.close();
      await store.close();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

/** Timers keeping the process alive now (rxjs `asyncScheduler` actions are among them). */
const activeTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

let serial = 0;

/**
 * Runs `scenario` in real time: one pipeline with the default axios transport, through the
 * proxy (each request delayed by one of the scenario's latencies, split between the way there and
 * back) to the reference server, its own account with the scenario's limit. Checks the storm's
 * invariants, plus what only a real server shows: the sessions it holds for the account at each
 * admission, none after the end, and no timer of the pipeline left after the unsubscribe.
 */
export async function runHttpStorm(bench: HttpStormBench, scenario: Scenario): Promise<RunReport> {
  serial += 1;
  const accountId = `storm-${scenario.mode}-${serial}`;
  const url = `${bench.proxy.url}/acme/ssm`;
  const [ta, tb, tc] = await Promise.all(
    ['a', 'b', 'c'].map((content) =>
      mintContentToken({
        secret: SPEC_SECRET,
        accountId,
        contentId: `channel-${content}`,
        maxSessions: scenario.maxSessions,
        now: bench.now(),
      }),
    ),
  );
  const sources: Record<SourceKey, SsmSource | null> = {
    a: { src: 'a.mpd', token: ta, ssmServerUrl: url },
    b: { src: 'b.mpd', token: tb, ssmServerUrl: url },
    c: { src: 'c.mpd', token: tc, ssmServerUrl: url },
    A: { src: 'a.mpd', ssmServerUrl: url },
    B: { src: 'b.mpd', ssmServerUrl: url },
    n: null,
    p: { src: 'plain.mpd', token: 'ct-plain' },
  };
  const latencies = scenario.latencies.length > 0 ? scenario.latencies : [0];
  bench.proxy.plan = ({ index }) => {
    const latency = latencies[index % latencies.length] ?? 0;
    const there = Math.floor(latency / 2);
    return { kind: 'pass', delayMs: there, responseDelayMs: latency - there };
  };

  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const contentNames = new Map([
    [ta, 'ct-a'],
    [tb, 'ct-b'],
    [tc, 'ct-c'],
  ]);
  const ledger = sessionLedger(axiosTransport(), {
    now,
    mode: scenario.mode,
    nameToken: (token) => contentNames.get(token) ?? `${token.slice(0, 8)}…`,
  });
  const violate = (message: string) => ledger.violations.push(`at ${now()}: ${message}`);
  let peak = 0;
  const unwatch = bench.onAdmit(accountId, (live) => {
    peak = Math.max(peak, live);
    ledger.checkServer(live);
  });
  const onRejection = (reason: unknown) => violate(`unhandled rejection: ${String(reason)}`);
  process.on('unhandledRejection', onRejection);
  const unhandled = config.onUnhandledError;
  config.onUnhandledError = (error) => violate(`unhandled error: ${String(error)}`);

  const source$ = new Subject<SsmSource | null>();
  const stop$ = new Subject<void>();
  const play$ = new Subject<void>();
  const appState$ = new Subject<AppState>();
  let intended = NOTHING_INTENDED;
  const timers = activeTimers();
  const session = ssmSession(
    { source$, stop$, play$, appState$ },
    {
      transport: ledger.transport,
      syncMode: scenario.mode === 'sync',
      tokenTimeoutMs: HTTP_TIMING.tokenTimeoutMs,
      minHeartbeatSeconds: HTTP_TIMING.heartbeatSeconds,
    },
  );
  const wanted = () => wantedOf(intended);
  const watch: PipelineWatch = watchPipeline(session, { now, ledger, wanted, violate });
  const expectation = settledExpectation(scenario.steps, {
    expiryMs: Number.POSITIVE_INFINITY,
    endAt: lastIntentAt(scenario.steps, 0),
  });
  let settled = '';

  try {
    for (const { at, intent } of timeline(scenario.steps, 0)) {
      await sleep(started + at - performance.now());
      intended = intend(intended, intent);
      switch (intent.kind) {
        case 'source':
          source$.next(sources[intent.key]);
          break;
        case 'stop':
          stop$.next();
          break;
        case 'play':
          play$.next();
          break;
        case 'app':
          appState$.next(STORM_APP_STATES[intent.key]);
          break;
        case 'expire':
          bench.expireAll();
          break;
        case 'fault':
          break;
      }
    }

    const lane = () => ledger.inFlight().filter((exchange) => exchange.call !== 'heartbeat');
    const ready = await waitFor(
      () => settledAsExpected(watch.last(), expectation) && lane().length === 0,
      HTTP_TIMING.patienceMs,
    );
    const last = watch.last();
    settled = last ? `${now()} ${label(last)}` : '';
    if (!ready) {
      violate(
        `did not settle as /${settledPattern(expectation)}/: "${last && label(last)}", ` +
          `${lane().length} setup/teardown in flight`,
      );
    }

    if (scenario.ending === 'stop') {
      intended = intend(intended, { kind: 'stop' });
      stop$.next();
      const idle = await waitFor(
        () => watch.last()?.status === 'idle' && ledger.inFlight().length === 0,
        HTTP_TIMING.patienceMs,
      );
      if (!idle) {
        const state = watch.last();
        violate(
          `after the final stop: "${state && label(state)}", ${ledger.inFlight().length} in flight`,
        );
      }
      const live = await bench.server.liveSessions(accountId);
      if (live !== 0) violate(`idle after the final stop, yet the server holds ${live} session(s)`);
      watch.unsubscribe();
    } else {
      watch.unsubscribe();
      const done = await waitFor(
        () => ledger.inFlight().length === 0 && ledger.held() === 0,
        HTTP_TIMING.patienceMs,
      );
      if (!done)
        violate(
          `after the unsubscribe: ${ledger.held()} held, ${ledger.inFlight().length} in flight`,
        );
      const live = await bench.server.liveSessions(accountId);
      if (live !== 0) violate(`after the unsubscribe the server holds ${live} session(s)`);
    }
    if (ledger.held() > 0) violate(`${ledger.held()} session(s) still held at the end`);
    const setups = ledger.exchanges.filter((exchange) => exchange.call === 'setup');
    const refused = setups.filter((exchange) => exchange.status === 403).length;
    if (expectation.calm && setups.length - refused > expectation.runs) {
      violate(
        `${setups.length} setups (${refused} refused at the limit) for ${expectation.runs} session runs`,
      );
    }
    if (expectation.calm && scenario.mode === 'async' && scenario.maxSessions >= 100) {
      if (setups.length !== expectation.runs) {
        violate(`async: ${setups.length} setups for ${expectation.runs} session runs`);
      }
    }
    watch.finalChecks(expectation.calm);
    if (!(await waitFor(() => activeTimers() <= timers, 500))) {
      violate(`${activeTimers() - timers} timer(s) still running after the unsubscribe`);
    }
  } finally {
    watch.unsubscribe();
    unwatch();
    process.off('unhandledRejection', onRejection);
    config.onUnhandledError = unhandled;
  }

  return {
    violations: ledger.violations,
    observation: {
      requestLog: [],
      settled,
      errors: watch.errors.map(({ at, error }) => `${at} ${error.code} ${error.message}`),
      expectedSettled: settledPattern(expectation),
      expectedLive: 0,
    },
    stats: {
      calm: expectation.calm,
      granted: ledger.granted(),
      peak,
      errors: watch.errors.filter(({ error }) => !isTokenTimeout(error)).length,
    },
    httpLog: ledger.requestLog(),
  };
}
