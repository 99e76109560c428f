import fc from 'fast-check';
import {
  catchError,
  delay,
  distinctUntilChanged,
  EMPTY,
  exhaustMap,
  filter,
  interval,
  map,
  type Observable,
  ReplaySubject,
  Subject,
  type Subscription,
  switchMap,
  tap,
} from 'rxjs';
import {
  type AppState,
  type LicenceAnswer,
  type SsmError,
  type SsmSource,
  type SsmState,
  ssmSession,
  stopSession,
} from '../../packages/rx-ssm/src/index.js';
import { ssmModel } from '../../packages/rx-ssm/src/testing/index.js';
import { label, ssmSource, testScheduler } from './marbles.js';
import { runWatched } from './virtual-storm.js';

/**
 * Storms of sessions renewed by their licence (DRM enforcement), in `TestScheduler` virtual time
 * against `ssmModel({ drmEnforced: true })` with a player that renews as the adapters do:
 *
 * - PlayReady (or FairPlay, ClearKey): each `renewals$` is a licence request with its token, whose
 *   answer (`model.licence`, the licence server) goes on `licence$` after the player's latency;
 *   the first licence request of a session is made at once or not at all (then the refused
 *   heartbeat, 1006, switches it);
 * - Widevine: the first licence answer says `drmEnforced`, then the CDM renews through
 *   `renewWidevine` every 400 ms while the session is in licence mode.
 *
 * Random intents around it: zaps, a source whose token is not known yet, unloads, stops, plays,
 * background stretches, a stop from another device, and licence answers the player loses.
 */

/** What a storm does, one intent each step. */
export type LicenceIntent =
  | 'a'
  | 'b'
  | 'A'
  | 'n'
  | 'stop'
  | 'play'
  | 'background'
  | 'active'
  | 'remote-stop'
  | 'lose-licence'
  | 'resubscribe';

export interface LicenceScenario {
  mode: 'async' | 'sync';
  drm: 'playready' | 'widevine';
  /** PlayReady: the player asks for a licence as soon as a session is active. */
  firstLicence: boolean;
  /** SSM round trip (model latency), in frames. */
  latency: number;
  /** From a renewal asked to its licence answer, in frames. */
  playerLatency: number;
  maxSessions: number;
  steps: Array<{ gap: number; intent: LicenceIntent }>;
  ending: 'stop' | 'unsubscribe';
}

const PERIOD_MS = 1000;
const SOURCES: Partial<Record<LicenceIntent, SsmSource | null>> = {
  a: ssmSource('a'),
  b: ssmSource('b'),
  A: ssmSource('a', { token: undefined }),
  n: null,
};

export function licenceScenario(): fc.Arbitrary<LicenceScenario> {
  const intent = fc.constantFrom<LicenceIntent>(
    'a',
    'b',
    'A',
    'n',
    'stop',
    'play',
    'background',
    'active',
    'remote-stop',
    'lose-licence',
    'resubscribe',
  );
  return fc.record({
    mode: fc.constantFrom('async' as const, 'sync' as const),
    drm: fc.constantFrom('playready' as const, 'widevine' as const),
    firstLicence: fc.boolean(),
    latency: fc.integer({ min: 1, max: 20 }),
    playerLatency: fc.integer({ min: 1, max: 40 }),
    maxSessions: fc.constantFrom(1, 3),
    steps: fc.array(
      fc.record({ gap: fc.oneof(fc.constant(0), fc.integer({ min: 5, max: 2500 })), intent }),
      { minLength: 1, maxLength: 8 },
    ),
    ending: fc.constantFrom('stop' as const, 'unsubscribe' as const),
  });
}

/** What one run found: broken invariants, and what it saw, for the report of a failure. */
export interface LicenceStormOutcome {
  violations: string[];
  calm: boolean;
  /** Licence answers after their session ended that the SDK could not take. */
  lateAnswers: number;
  states: string[];
  errors: string[];
  requests: string[];
}

/**
 * Runs one scenario and checks, whatever happened: no unhandled error and no timer left after
 * the last unsubscribe; `session$` and `errors$` never error; after a final stop the state is
 * `idle`; the model holds no session at the end but those the contract lets go without a
 * teardown (a fatal 6003 that is not a remote stop: no further request for that session). In a
 * calm run (no lost licence, no remote stop, no background) also: no 6003 at all, no licence
 * request with a rotated-out token, in sync mode never two sessions at once, and no 6002 but
 * for the licence answers the SDK cannot take (counted, `lateAnswers`; see
 * docs/reliability.md): the answer to the player's own first licence request after its session
 * ended (a zap within that round trip), or to a renewal after a zap back to the same source.
 * The licence server rotated the token, and the teardown with the token the SDK knows is
 * refused 1003. Any other renewal in flight at a zap or stop is waited for, and its token used.
 */
export function runLicenceStorm(scenario: LicenceScenario): LicenceStormOutcome {
  const scheduler = testScheduler();
  const violations: string[] = [];
  const violate = (message: string) => violations.push(`at ${scheduler.now()}: ${message}`);
  const states: string[] = [];
  const errors: SsmError[] = [];
  const errorLines: string[] = [];
  const intents = scenario.steps.map((step) => step.intent);
  const calm = !intents.some(
    (i) => i === 'lose-licence' || i === 'remote-stop' || i === 'background',
  );
  const model = ssmModel({
    drmEnforced: true,
    heartbeatSeconds: PERIOD_MS / 1000,
    latency: scenario.latency,
    maxSessions: scenario.maxSessions,
    scheduler,
  });
  let staleLicenceRequests = 0;
  // Licence answers the SDK could not take, their session ended meanwhile: the answer to the
  // player's own first request (the SDK did not ask for it), or to a renewal whose source is
  // wanted again (the answer could be the new session's). The licence server rotated a token
  // the SDK never learnt, so that session's teardown is refused.
  let lateAnswers = 0;
  let lose = 0;
  let last: SsmState | undefined;

  runWatched(scheduler, violate, () => {
    // The latest source for every subscription, as a BehaviorSubject gives it.
    const source$ = new ReplaySubject<SsmSource | null>(1);
    const stop$ = new Subject<void>();
    const play$ = new Subject<void>();
    const appState$ = new Subject<AppState>();
    const licence$ = new Subject<LicenceAnswer>();
    const session = ssmSession(
      { source$, stop$, play$, appState$, licence$ },
      { transport: model.transport, syncMode: scenario.mode === 'sync', scheduler },
    );

    const sessionOf = (token: string) => /^S(\d+)/.exec(token)?.[1];
    /**
     * A licence request: the licence server's answer goes on `licence$` `playerLatency` later,
     * unless the player loses it. Sent on its own, as a player's request is: it runs to its
     * answer whoever stopped listening to `renewals$` (an app that unsubscribed meanwhile).
     */
    const requestLicence = (source: SsmSource, sessionToken: string, asked: boolean) =>
      model
        .licence({ source, sessionToken })
        .pipe(
          delay(scenario.playerLatency, scheduler),
          tap((answer) => {
            if (answer.refused?.serverCode === 1003) staleLicenceRequests += 1;
            // Answered after its session ended: is it lost to the SDK?
            const current = last?.status === 'active' ? sessionOf(last.sessionToken) : undefined;
            if (current === sessionOf(sessionToken)) return;
            const again = last !== undefined && 'source' in last && last.source.src === source.src;
            if (!asked || again) lateAnswers += 1;
          }),
          filter(() => {
            if (lose === 0) return true;
            lose -= 1;
            return false;
          }),
        )
        .subscribe((answer) => licence$.next(answer));
    // A session's first `active`: the token the setup granted, still in heartbeat mode.
    const firstActive$ = session.session$.pipe(
      filter(
        (state): state is Extract<SsmState, { status: 'active' }> =>
          state.status === 'active' &&
          state.renewal === 'heartbeat' &&
          /^S\d+$/.test(state.sessionToken),
      ),
      distinctUntilChanged((x, y) => x.sessionToken === y.sessionToken),
    );
    const player$: Observable<unknown> =
      scenario.drm === 'playready'
        ? session.renewals$.pipe(
            tap((renewal) => requestLicence(renewal.source, renewal.sessionToken, true)),
          )
        : firstActive$.pipe(
            delay(scenario.playerLatency, scheduler),
            map((state): LicenceAnswer => ({ src: state.source.src, drmEnforced: true })),
            tap((answer) => licence$.next(answer)),
          );
    const firstLicence$ =
      scenario.drm === 'playready' && scenario.firstLicence
        ? firstActive$.pipe(tap((state) => requestLicence(state.source, state.sessionToken, false)))
        : EMPTY;
    // The CDM: a renewal every 400 ms while the session is renewed by its licence.
    const cdm$ =
      scenario.drm === 'widevine'
        ? session.session$.pipe(
            map((state) =>
              state.status === 'active' && state.renewal === 'licence' ? state.source.src : '',
            ),
            distinctUntilChanged(),
            switchMap((src) =>
              src === ''
                ? EMPTY
                : interval(400, scheduler).pipe(
                    exhaustMap(() =>
                      session
                        .renewWidevine(new TextEncoder().encode(`challenge ${src}`))
                        .pipe(catchError(() => EMPTY)),
                    ),
                  ),
            ),
          )
        : EMPTY;

    const running: Subscription[] = [];
    const subscribeAll = () =>
      running.push(
        session.session$.subscribe({
          next: (state) => {
            last = state;
            states.push(`${scheduler.now()} ${label(state)}`);
          },
          error: (error) => violate(`session$ errored: ${String(error)}`),
        }),
        session.errors$.subscribe({
          next: (error) => {
            errors.push(error);
            errorLines.push(`${scheduler.now()} ${error.code} ${error.message}`);
          },
          error: (error) => violate(`errors$ errored: ${String(error)}`),
        }),
        player$.subscribe(),
        firstLicence$.subscribe(),
        cdm$.subscribe(),
      );
    const unsubscribeAll = () => {
      for (const subscription of running.splice(0)) subscription.unsubscribe();
    };
    subscribeAll();

    let at = 1;
    for (const { gap, intent } of scenario.steps) {
      at += gap;
      scheduler.schedule(() => {
        if (intent in SOURCES) source$.next(SOURCES[intent] ?? null);
        else if (intent === 'stop') stop$.next();
        else if (intent === 'play') play$.next();
        else if (intent === 'background' || intent === 'active') appState$.next(intent);
        else if (intent === 'lose-licence') lose += 1;
        else if (intent === 'resubscribe') {
          // The app lets go of the session and takes it again at once (a remount).
          unsubscribeAll();
          subscribeAll();
        } else if (intent === 'remote-stop' && last?.status === 'active') {
          // Another device of the account stops this session.
          const id = /^S(\d+)/.exec(last.sessionToken)?.[1];
          stopSession(last.source, `sid-${id}`, { transport: model.transport })
            .pipe(catchError(() => EMPTY))
            .subscribe();
        }
      }, at);
    }
    // Back to the foreground, then the ending, then what is left checked once it settled.
    const endAt = at + 3 * PERIOD_MS;
    scheduler.schedule(() => appState$.next('active'), at + 1);
    if (scenario.ending === 'stop') scheduler.schedule(() => stop$.next(), endAt);
    if (scenario.ending === 'unsubscribe') scheduler.schedule(unsubscribeAll, endAt);
    // A teardown may wait for the answer to a renewal in flight: at most a period.
    const checkAt = endAt + PERIOD_MS + 100;
    scheduler.schedule(() => {
      if (scenario.ending === 'stop' && last?.status !== 'idle') {
        violate(`after the final stop the state is "${last && label(last)}", not idle`);
      }
      const lost = errors.filter((e) => e.code === 6003 && e.fatal && !e.isStoppedRemotely).length;
      const live = model.liveSessions();
      if (live > lost + lateAnswers) {
        violate(`the model holds ${live} session(s) at the end, ${lost} + ${lateAnswers} let go`);
      }
      if (calm) {
        const failed = errors.filter((e) => e.code === 6003);
        const teardowns = errors.filter((e) => e.code === 6002);
        if (failed.length > 0 || teardowns.length > lateAnswers) {
          const messages = [...failed, ...teardowns].map((e) => e.message);
          violate(`a calm run had ${messages.join('; ')} (${lateAnswers} late licence answers)`);
        }
        if (staleLicenceRequests > 0) {
          violate(`${staleLicenceRequests} licence request(s) with a rotated-out token`);
        }
        if (scenario.mode === 'sync' && model.peakSessions() > 1 + lateAnswers) {
          violate(`sync: the model held ${model.peakSessions()} sessions at once`);
        }
      }
      unsubscribeAll();
    }, checkAt);
    scheduler.maxFrames = checkAt + 10 * PERIOD_MS;
  });
  return {
    violations,
    calm,
    lateAnswers,
    states,
    errors: errorLines,
    requests: model.transport.requests.map((r) => `${r.at} ${r.call} ${r.token}`),
  };
}
