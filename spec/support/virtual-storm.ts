import { config, map, merge, Observable } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import {
  type SsmResponse,
  type SsmTransport,
  ssmSession,
} from '../../packages/rx-ssm/src/index.js';
import { ssmModel } from '../../packages/rx-ssm/src/testing/index.js';
import { label, requestLog, testScheduler } from './marbles.js';
import {
  isTokenTimeout,
  type PipelineWatch,
  settledAsExpected,
  settledPattern,
  watchPipeline,
} from './pipeline-watch.js';
import { sessionLedger } from './session-ledger.js';
import {
  type StormObservation,
  type StormTiming,
  stormMarbles,
  VIRTUAL_TIMING,
  virtualFrames,
} from './storm-marbles.js';
import {
  type Intent,
  intend,
  NOTHING_INTENDED,
  type Scenario,
  STORM_APP_STATES,
  STORM_FAULTS,
  STORM_SOURCES,
  settledExpectation,
  wantedOf,
} from './storm-scenario.js';

/** What one storm run found. */
export interface StormOutcome {
  violations: string[];
  observation: StormObservation;
  /** For the summary: how the run went. */
  stats: { calm: boolean; granted: number; peak: number; errors: number };
}

/**
 * Runs `scenario` in `TestScheduler` virtual time against `ssmModel`, exactly as
 * {@link counterexampleSpec} prints it, and checks every invariant of the storm.
 */
export function runVirtualStorm(
  scenario: Scenario,
  timing: StormTiming = VIRTUAL_TIMING,
): StormOutcome {
  const { timed, endAt, settledAt, checkAt } = virtualFrames(scenario, timing);
  const periodMs = timing.heartbeatSeconds * 1000;
  const expectation = settledExpectation(scenario.steps, {
    // A background stretch of one period may already let the model expire a session (after two
    // periods without renewal, counted from the last one).
    expiryMs: periodMs * 0.9,
    endAt: endAt - timing.start,
  });
  // After the last check, any action still scheduled is a timer that outlived the unsubscribe.
  const leakFrames = 5 * periodMs;
  const marbles = stormMarbles(timed, scenario.ending === 'stop' ? endAt : undefined);
  const scheduler = testScheduler();
  let peak = 0;
  let liveAtEnd = -1;
  const now = () => scheduler.now();
  const model = ssmModel({
    latency: scenario.latencies[0] ?? 1,
    maxSessions: scenario.maxSessions,
    heartbeatSeconds: timing.heartbeatSeconds,
    scheduler,
  });
  // The model changes when a request is sent: the peak is sampled right after each one.
  const sampled: SsmTransport = (request) =>
    new Observable<SsmResponse>((subscriber) => {
      const answer = model.transport(request).subscribe(subscriber);
      const live = model.liveSessions();
      peak = Math.max(peak, live);
      if (request.call === 'setup') ledger.checkServer(live);
      return answer;
    });
  const ledger = sessionLedger(sampled, { now, mode: scenario.mode });
  const violations = ledger.violations;
  const violate = (message: string) => violations.push(`at ${now()}: ${message}`);
  let intended = NOTHING_INTENDED;
  let watch: PipelineWatch | undefined;
  let settled = '';

  runWatched(scheduler, violate, ({ hot }) => {
    scheduler.maxFrames = checkAt + leakFrames;
    const source$ = hot(marbles.source, STORM_SOURCES);
    const stop$ = hot(marbles.stop);
    const play$ = hot(marbles.play);
    const appState$ = hot(marbles.app, STORM_APP_STATES);
    hot(marbles.fault, STORM_FAULTS).subscribe(([call, fault]) => model.failNext(call, fault));
    // Follows the wanted source; subscribed first, so it knows each intent before the pipeline.
    merge(
      source$.pipe(map((source): Intent => ({ kind: 'source', key: keyOf(source) }))),
      stop$.pipe(map((): Intent => ({ kind: 'stop' }))),
      play$.pipe(map((): Intent => ({ kind: 'play' }))),
    ).subscribe((intent) => {
      intended = intend(intended, intent);
    });
    const session = ssmSession(
      { source$, stop$, play$, appState$ },
      {
        transport: ledger.transport,
        syncMode: scenario.mode === 'sync',
        tokenTimeoutMs: timing.tokenTimeoutMs,
        scheduler,
      },
    );
    const pipeline = watchPipeline(session, {
      now,
      ledger,
      wanted: () => wantedOf(intended),
      violate,
    });
    watch = pipeline;

    scheduler.schedule(() => {
      const state = pipeline.last();
      settled = state ? `${now()} ${label(state)}` : '';
      if (!settledAsExpected(state, expectation)) {
        violate(`settled as "${state && label(state)}", expected /${settledPattern(expectation)}/`);
      }
    }, settledAt);
    if (scenario.ending === 'unsubscribe') scheduler.schedule(() => pipeline.unsubscribe(), endAt);
    scheduler.schedule(() => {
      finalChecks(pipeline);
      if (scenario.ending === 'stop') pipeline.unsubscribe();
    }, checkAt);
  });

  function finalChecks(pipeline: PipelineWatch) {
    const last = pipeline.last();
    if (scenario.ending === 'stop' && last?.status !== 'idle') {
      violate(`after the final stop the state is "${last && label(last)}", not idle`);
    }
    if (ledger.inFlight().length > 0) {
      violate(`${ledger.inFlight().length} request(s) still in flight at the end`);
    }
    if (ledger.held() > 0) violate(`${ledger.held()} session(s) still held at the end`);
    const live = model.liveSessions();
    liveAtEnd = live;
    const allowed = expectation.calm ? 0 : ledger.lost();
    if (live > allowed) {
      violate(`the server holds ${live} session(s) at the end (${allowed} lost to failures)`);
    }
    if (expectation.calm && ledger.lost() > 0) {
      violate(`${ledger.lost()} session(s) let go without a working teardown in a calm run`);
    }
    const setups = ledger.exchanges.filter((e) => e.call === 'setup');
    const limitRetries = setups.filter((e) => e.status === 403).length;
    // After an error, `play$` starts another run: the count is exact only in calm runs.
    if (expectation.calm && setups.length - limitRetries > expectation.runs) {
      violate(
        `${setups.length} setups (${limitRetries} refused at the limit) for ${expectation.runs} session runs`,
      );
    }
    if (
      expectation.calm &&
      scenario.mode === 'async' &&
      scenario.maxSessions >= 100 &&
      setups.length !== expectation.runs
    ) {
      violate(`async: ${setups.length} setups for ${expectation.runs} session runs`);
    }
    pipeline.finalChecks(expectation.calm);
  }

  const errors = watch?.errors ?? [];
  return {
    violations,
    observation: {
      requestLog: requestLog(model.transport),
      settled,
      errors: errors.map(({ at, error }) => `${at} ${error.code} ${error.message}`),
      expectedSettled: settledPattern(expectation),
      expectedLive: expectation.calm ? 0 : liveAtEnd,
    },
    stats: {
      calm: expectation.calm,
      granted: ledger.granted(),
      peak,
      errors: errors.filter(({ error }) => !isTokenTimeout(error)).length,
    },
  };
}

function keyOf(source: (typeof STORM_SOURCES)[keyof typeof STORM_SOURCES]) {
  const found = Object.entries(STORM_SOURCES).find(([, value]) => value === source);
  return (found?.[0] ?? 'n') as keyof typeof STORM_SOURCES;
}

/**
 * Runs `body` in `scheduler`'s virtual time as a storm run: an error rxjs could not deliver or
 * the run throwing is a violation, and so is any timer still scheduled once it ended (those are
 * then cancelled).
 */
export function runWatched(
  scheduler: TestScheduler,
  violate: (message: string) => void,
  body: (helpers: RunHelpers) => void,
): void {
  const unhandled = config.onUnhandledError;
  config.onUnhandledError = (error) => violate(`unhandled error: ${String(error)}`);
  try {
    scheduler.run(body);
  } catch (error) {
    violate(`the run threw: ${String(error)}`);
  } finally {
    config.onUnhandledError = unhandled;
  }
  const leftover = scheduler.actions.length;
  if (leftover > 0) violate(`${leftover} timer(s) still scheduled after the unsubscribe`);
  for (const action of [...scheduler.actions]) action.unsubscribe();
}
