import { merge, of, startWith } from '../creation.js';
import { SsmError } from '../error.js';
import {
  asyncScheduler,
  defer,
  distinctUntilChanged,
  EMPTY,
  filter,
  finalize,
  ignoreElements,
  map,
  NEVER,
  type Observable,
  ReplaySubject,
  Subject,
  share,
  switchMap,
  tap,
} from '../rx.js';
import type {
  AppState,
  CheckedSource,
  SsmDiagnostic,
  SsmIntents,
  SsmOptions,
  SsmRenewal,
  SsmSession,
  SsmSource,
  SsmState,
  SsmTransport,
} from '../types.js';
import { deviceProblem, MIN_HEARTBEAT_SECONDS, sourceProblem } from '../wire/wire.js';
import { checkIntents } from './checked-intents.js';
import { asyncMode, syncMode } from './mode.js';
import { requestLane } from './request-lane.js';
import type { SessionContext, WidevineJob } from './session-context.js';
import { diagnosedSources } from './source-diagnostics.js';
import { sourceLifecycle } from './source-lifecycle.js';
import { failed, idle, tearingDown } from './states.js';
import { sameSession, wantedSource } from './wanted-source.js';

/** The signature of {@link ssmSession}. */
export type SsmSessionFactory = <S extends SsmSource>(
  intents: SsmIntents<S> & { source$: Observable<CheckedSource<S> | null> },
  options?: SsmOptions,
) => SsmSession;

/**
 * `ssmSession` with the transport used when the options name none. The pipeline, top to bottom:
 * intents → the wanted source → one lifecycle per wanted source (setup → renewals → teardown,
 * switched on every zap or stop) → states. Each entry point picks its default transport here,
 * so an app that uses `fetchTransport` bundles no axios.
 */
export function ssmSessionWith(defaultTransport: () => SsmTransport): SsmSessionFactory {
  return (intents, options) => {
    checkIntents(intents, options);
    return ssmPipeline(intents, options ?? {}, defaultTransport);
  };
}

function ssmPipeline(
  intents: SsmIntents,
  options: SsmOptions,
  defaultTransport: () => SsmTransport,
): SsmSession {
  const mode = options.syncMode ? syncMode : asyncMode;
  // One lane per pipeline, outliving its subscriptions: a teardown still in flight after the
  // last unsubscribe is known to the next subscription's setup.
  const lane = requestLane(mode.requests);
  const errors = new Subject<SsmError>();
  const renewals = new Subject<SsmRenewal>();
  const diagnostics = new Subject<SsmDiagnostic>();
  // Taken by the live session, if any: a renewal with no session to take it fails at once.
  const widevine = new Subject<WidevineJob>();

  const state$: Observable<SsmState> = defer(() => {
    // Intents the app did not pass cost no subscription: a pipeline is kept by the thousand.
    const play$ = intents.play$?.pipe(share({ resetOnComplete: false }));
    const appState$ = intents.appState$?.pipe(
      startWith<AppState>('active'),
      share({ connector: () => new ReplaySubject<AppState>(1), resetOnComplete: false }),
    );
    const licence$ = intents.licence$?.pipe(share({ resetOnComplete: false }));
    const ctx: SessionContext = {
      // `device` and `setupIdempotencyKey` as given, the others with their defaults.
      ...options,
      mode,
      lane,
      transport: options.transport ?? defaultTransport(),
      scheduler: options.scheduler ?? asyncScheduler,
      tokenTimeoutMs: options.tokenTimeoutMs ?? 5000,
      heartbeatRetries: options.heartbeatRetries ?? 2,
      minHeartbeatSeconds: options.minHeartbeatSeconds ?? MIN_HEARTBEAT_SECONDS,
      appState$: appState$ ?? of<AppState>('active'),
      play$: play$ ?? NEVER,
      licence$: licence$ ?? NEVER,
      widevine$: widevine,
      errors,
      renewals,
      diagnostics,
    };
    let source$ = intents.source$;
    // Development builds report a source that looks wrong. The check is read where it is used,
    // so that a production build (the bundler replaces `process.env.NODE_ENV` by "production")
    // drops it and the diagnostics with it.
    try {
      if (process.env.NODE_ENV !== 'production') {
        source$ = source$.pipe(diagnosedSources((diagnostic) => diagnostics.next(diagnostic)));
      }
    } catch {
      // No `process` and no bundler that replaced the read: not a development build.
    }
    const wanted$ = wantedSource(source$, play$, intents.stop$).pipe(
      tap((source) => {
        lane.wantedSrc = source?.src;
      }),
      // Unsubscribed: nothing is wanted until the next subscription says.
      finalize(() => {
        lane.wantedSrc = undefined;
      }),
      share(),
    );

    const states$ = wanted$.pipe(
      distinctUntilChanged(sameSession),
      switchMap((source) => {
        if (source === null) return settled(ctx);
        const problem = sourceProblem(source) ?? deviceProblem(ctx.device);
        if (problem)
          return of(failed(source, new SsmError({ kind: 'setup', message: problem, source })));
        // Its updates: the wanted sources with its `src` (a token that came later).
        const updates$ = wanted$.pipe(
          filter((update): update is SsmSource => update?.src === source.src),
        );
        return sourceLifecycle(source, updates$, ctx);
      }),
      tap((state) => state.status === 'error' && errors.next(state.error)),
    );
    // The shared intents stay connected for as long as the pipeline runs.
    const held$ = merge(appState$ ?? EMPTY, play$ ?? EMPTY, licence$ ?? EMPTY);
    return merge(held$.pipe(ignoreElements()), states$);
  }).pipe(share({ connector: () => new ReplaySubject<SsmState>(1) }));

  const running$ = state$.pipe(ignoreElements());
  return {
    session$: state$,
    errors$: merge(errors, running$),
    authorization$: state$.pipe(
      map((state) => (state.status === 'active' ? state.authorization : null)),
      distinctUntilChanged(),
    ),
    renewals$: merge(renewals, running$),
    diagnostics$: merge(diagnostics, running$),
    renewWidevine: (challenge) =>
      defer(() => {
        if (!widevine.observed) throw noLiveSession();
        const reply = new ReplaySubject<Uint8Array>(1);
        widevine.next({ challenge, reply });
        return reply.asObservable();
      }),
  };
}

/** A Widevine renewal asked for while no session is live: it ends no session. */
function noLiveSession(): SsmError {
  return new SsmError({
    kind: 'heartbeat',
    message: 'no live session to renew the Widevine licence',
    fatal: false,
  });
}

/** No session wanted: `tearing-down` while teardowns of this pipeline are in flight, then `idle`. */
function settled({ lane }: SessionContext): Observable<SsmState> {
  return lane.pendingTeardowns$.pipe(
    map((pending) => pending[pending.length - 1]?.source),
    distinctUntilChanged(),
    map((source) => (source ? tearingDown(source) : idle)),
  );
}
