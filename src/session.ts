import {
  asyncScheduler,
  defer,
  distinctUntilChanged,
  ignoreElements,
  map,
  merge,
  NEVER,
  type Observable,
  of,
  ReplaySubject,
  Subject,
  share,
  startWith,
  switchMap,
  tap,
} from 'rxjs';
import { SsmError } from './error.js';
import { asyncMode, syncMode } from './mode.js';
import { requestLane } from './request-lane.js';
import type { SessionContext } from './session-context.js';
import { sourceLifecycle, updatesOf } from './source-lifecycle.js';
import { failed, idle, tearingDown } from './states.js';
import { axiosTransport } from './transports/axios.js';
import type { AppState, SsmIntents, SsmOptions, SsmSession, SsmState } from './types.js';
import { sameSession, wantedSource } from './wanted-source.js';
import { sourceProblem } from './wire.js';

/**
 * Turns a player's intents into one SSM session stream.
 *
 * ```
 * source$:   --a-----------b----------
 * stop$:     ----------------------s--
 * requests:  --S--H--H--H--T,S--H--T--      (async: T and S go out together)
 * session$:  i-sA-A--A--A--sA---A--di-
 * ```
 * `i` idle, `s` setting-up, `A` active, `d` tearing-down. The lifecycle, top to bottom:
 * intents → the wanted source → one lifecycle per wanted source (setup → heartbeats →
 * teardown, switched on every zap or stop) → states.
 *
 * @example
 * ```ts
 * const { session$, errors$ } = ssmSession({ source$, play$, stop$, appState$ });
 * session$.subscribe((state) => console.log(state.status));
 * ```
 */
export function ssmSession(intents: SsmIntents, options: SsmOptions = {}): SsmSession {
  const mode = options.syncMode ? syncMode : asyncMode;
  // One lane per pipeline, outliving its subscriptions: a teardown still in flight after the
  // last unsubscribe is known to the next subscription's setup.
  const lane = requestLane(mode.requests);
  const errors = new Subject<SsmError>();

  const state$: Observable<SsmState> = defer(() => {
    // Intents the app did not pass cost no subscription: a pipeline is kept by the thousand.
    const play$ = intents.play$?.pipe(share({ resetOnComplete: false }));
    const appState$ = intents.appState$?.pipe(
      startWith<AppState>('active'),
      share({ connector: () => new ReplaySubject<AppState>(1), resetOnComplete: false }),
    );
    const ctx: SessionContext = {
      mode,
      lane,
      transport: options.transport ?? axiosTransport(),
      scheduler: options.scheduler ?? asyncScheduler,
      tokenTimeoutMs: options.tokenTimeoutMs ?? 5000,
      heartbeatRetries: options.heartbeatRetries ?? 2,
      appState$: appState$ ?? of<AppState>('active'),
      play$: play$ ?? NEVER,
      report: (error) => errors.next(error),
    };
    const wanted$ = wantedSource(intents.source$, play$, intents.stop$).pipe(share());

    const states$ = wanted$.pipe(
      distinctUntilChanged(sameSession),
      switchMap((source) => {
        if (source === null) return settled(ctx);
        const problem = sourceProblem(source);
        if (problem)
          return of(failed(source, new SsmError({ kind: 'setup', message: problem, source })));
        return sourceLifecycle(source, wanted$.pipe(updatesOf(source.src)), ctx);
      }),
      tap((state) => state.status === 'error' && ctx.report(state.error)),
    );
    // The shared intents stay connected for as long as the pipeline runs.
    const held = [appState$, play$].flatMap((intent) =>
      intent ? [intent.pipe(ignoreElements())] : [],
    );
    return merge(...held, states$);
  }).pipe(share({ connector: () => new ReplaySubject<SsmState>(1) }));

  return {
    session$: state$,
    errors$: merge(errors, state$.pipe(ignoreElements())),
    authorization$: state$.pipe(
      map((state) => (state.status === 'active' ? state.authorization : null)),
      distinctUntilChanged(),
    ),
  };
}

/** No session wanted: `tearing-down` while teardowns of this pipeline are in flight, then `idle`. */
function settled({ lane }: SessionContext): Observable<SsmState> {
  return lane.pendingTeardowns$.pipe(
    map((pending) => pending[pending.length - 1]?.source),
    distinctUntilChanged(),
    map((source) => (source ? tearingDown(source) : idle)),
  );
}
