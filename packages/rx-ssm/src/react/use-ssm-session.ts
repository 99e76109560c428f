import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { stopSessionWith } from '../account/account-sessions.js';
import { of } from '../creation.js';
import { SsmError } from '../error.js';
import {
  BehaviorSubject,
  catchError,
  EMPTY,
  exhaustMap,
  type Observable,
  Subject,
  share,
  switchMap,
  timer,
} from '../rx.js';
import { type SsmSessionFactory, ssmSessionWith } from '../session/session.js';
import { idle } from '../session/states.js';
import { fetchTransport } from '../transports/fetch.js';
import type {
  AppState,
  HeldSession,
  LicenceAnswer,
  SsmOptions,
  SsmSession,
  SsmSource,
  SsmState,
} from '../types.js';

/** What a component knows about its playback, as values (props, state). */
export interface SsmSessionProps {
  /** The current source; `null` unloads. A new `src` is a zap. */
  source: SsmSource | null;
  /** `false` stops the session (teardown); back to `true` sets up a fresh one. Default `true`. */
  playing?: boolean;
  /** Foreground, background or picture-in-picture. Default `'active'`. */
  appState?: AppState;
  /**
   * The app state as a stream instead, e.g. `appStateFromReactNative(AppState)`; read when the
   * component mounts, and then `appState` is ignored.
   */
  appState$?: Observable<AppState>;
  /** What each licence answer said, from the player adapter (licence-driven sessions). */
  licence$?: Observable<LicenceAnswer>;
}

/**
 * Options of {@link useSsmSession}: those of `ssmSession`. Requests go out through
 * `fetchTransport()` unless `transport` names another (browsers and React Native have fetch, so
 * the hook brings no axios); `ssmSession` swaps the whole factory, e.g. the one of `rx-ssm`.
 */
export interface UseSsmSessionOptions extends SsmOptions {
  /** Default: `ssmSession` with `fetchTransport()` as its default transport. */
  ssmSession?: SsmSessionFactory;
}

const ssmSessionOnFetch = ssmSessionWith(fetchTransport);
const stopSessionOnFetch = stopSessionWith(fetchTransport);

/** What {@link useSsmSession} gives the component. */
export interface UseSsmSession {
  /** The session's state, as `session$` says it. */
  state: SsmState;
  /** The pipeline itself, for `errors$`, `renewals$`, `renewWidevine`, a player adapter. */
  session: SsmSession;
  /** Tries again after an `error` state (e.g. 6001 at the limit); does nothing while live. */
  play(): void;
  /**
   * While the state is a limit refusal (6001, `isSessionLimit`) from a server that lists them:
   * the sessions of the account that hold the slots, e.g. to show "Your account is playing on:".
   * `undefined` otherwise.
   */
  heldBy: readonly HeldSession[] | undefined;
  /**
   * "Stop it and watch here": stops the account's session `sessionId` (one of `heldBy`) on the
   * SSM of the refused source, then plays again. A second call while one is in flight is
   * ignored. A stop that fails is `stopError` and plays nothing.
   */
  stopAndRetry(sessionId: string): void;
  /** The 6004 `account` error of the last `stopAndRetry` that failed; cleared by the next one. */
  stopError: SsmError | undefined;
}

/** The source that wants a session: none while not playing (stopped, or not started yet). */
const wanted = ({ source, playing = true }: SsmSessionProps) => (playing ? source : null);

/** One pipeline for one component: its intents as subjects, its state as an external store. */
function sessionStore(props: SsmSessionProps, options: UseSsmSessionOptions) {
  const source$ = new BehaviorSubject(wanted(props));
  const appState$ = new BehaviorSubject<AppState>(props.appState ?? 'active');
  const licence$ = new BehaviorSubject<Observable<LicenceAnswer>>(props.licence$ ?? EMPTY);
  const play$ = new Subject<void>();
  const stops = new Subject<string>();
  const { ssmSession: create = ssmSessionOnFetch, ...sessionOptions } = options;
  const session = create(
    {
      source$,
      play$,
      appState$: props.appState$ ?? appState$,
      licence$: licence$.pipe(switchMap((answers$) => answers$)),
    },
    sessionOptions,
  );
  // StrictMode mounts, unmounts and mounts again at once: the pipeline outlives an unsubscribe
  // by one macrotask, so that remount finds it running and sets up nothing new.
  const state$ = session.session$.pipe(share({ resetOnRefCountZero: () => timer(0) }));
  let snapshot: SsmState = idle;
  // A stop goes to the SSM of the source that was refused; a stop in flight ignores the next.
  const stopped$: Observable<SsmError | undefined> = stops.pipe(
    exhaustMap((sessionId) => {
      const source = snapshot.status === 'idle' ? source$.value : snapshot.source;
      if (!source) return of(noSourceToStopFor());
      // It emits undefined once stopped, or errors with the 6004 `SsmError` (never another).
      const stopped$ = stopSessionOnFetch(
        source,
        sessionId,
        sessionOptions,
      ) as Observable<undefined>;
      return stopped$.pipe(catchError((error: SsmError) => of(error)));
    }),
  );
  return {
    session,
    intents: { source$, appState$, licence$, play$, stops },
    stopped$,
    subscribe(changed: () => void): () => void {
      const subscription = state$.subscribe((state) => {
        snapshot = state;
        changed();
      });
      return () => subscription.unsubscribe();
    },
    snapshot: () => snapshot,
  };
}

/** `stopAndRetry` with no source known: nothing to stop a session of. */
function noSourceToStopFor(): SsmError {
  return new SsmError({ kind: 'account', message: 'no source to stop a session for' });
}

/** Hands `value` to `subject` after a render that changed it. */
function useLatest<T>(subject: BehaviorSubject<T>, value: T): void {
  useEffect(() => {
    if (subject.value !== value) subject.next(value);
  }, [subject, value]);
}

/** The holders of a limit refusal, when the state is one (only a 1007 answer lists them). */
const heldByOf = (state: SsmState) => (state.status === 'error' ? state.error.heldBy : undefined);

/**
 * An SSM session owned by a React component: set up when it mounts with a source, torn down
 * when it unmounts (even during the setup), its state rendered through `useSyncExternalStore`.
 * Props are the intents, as values: a new `source.src` is a zap, `playing: false` a stop (and
 * `true` again a fresh session), `null` an unload.
 * React StrictMode's double mount sets up one session, not two.
 *
 * `options` are read once, when the component mounts: the pipeline lives as long as the
 * component, and later options change nothing (mount a new component, e.g. with a `key`, for
 * others). `state` is a new object whenever the session changes, which for an active session is
 * every heartbeat: an effect should depend on what it reads (`state.status`, the live `src`),
 * not on `state`.
 *
 * @example
 * ```tsx
 * function Player({ channel }: { channel: SsmSource }) {
 *   const { state } = useSsmSession({ source: channel });
 *   return <p>{state.status}</p>;
 * }
 * ```
 */
export function useSsmSession(
  props: SsmSessionProps,
  options: UseSsmSessionOptions = {},
): UseSsmSession {
  // One pipeline per component for its whole life; options are read when it mounts.
  const [store] = useState(() => sessionStore(props, options));
  const state = useSyncExternalStore(store.subscribe, store.snapshot, store.snapshot);

  const { appState = 'active', licence$ } = props;
  const source = wanted(props);
  const { intents } = store;
  useLatest(intents.source$, source);
  useLatest(intents.appState$, appState);
  // A `licence$` taken away keeps the one the pipeline has.
  useLatest(intents.licence$, licence$ ?? intents.licence$.value);
  const play = useCallback(() => intents.play$.next(), [intents]);
  const [stopError, setStopError] = useState<SsmError>();
  useEffect(() => {
    const subscription = store.stopped$.subscribe((error) => {
      setStopError(error);
      if (!error) intents.play$.next();
    });
    return () => subscription.unsubscribe();
  }, [store, intents]);
  const stopAndRetry = useCallback(
    (sessionId: string) => {
      setStopError(undefined);
      intents.stops.next(sessionId);
    },
    [intents],
  );

  return {
    state,
    session: store.session,
    play,
    heldBy: heldByOf(state),
    stopAndRetry,
    stopError,
  };
}
