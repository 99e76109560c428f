import {
  combineLatest,
  distinctUntilChanged,
  from,
  map,
  Observable,
  type ObservableInput,
  of,
  startWith,
} from 'rxjs';
import type { AppState } from '../types.js';

/** What rx-ssm uses of React Native's `AppState` module (`import { AppState } from 'react-native'`). */
export interface ReactNativeAppStateLike {
  readonly currentState: string | null;
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void };
}

/** Options of {@link appStateFromReactNative}. */
export interface AppStateFromReactNativeOptions {
  /**
   * Whether the video plays picture-in-picture, e.g. fed from react-native-video's
   * `onPictureInPictureStatusChanged` (`(e) => pip$.next(e.isActive)`). While it does, a
   * `background` app state is `pip`: the video is still on screen, heartbeats go on.
   */
  pip$?: ObservableInput<boolean>;
}

/**
 * The app state of a React Native app, as `ssmSession` wants it, with the seed platforms'
 * semantics:
 *
 * | React Native `AppState` | picture-in-picture | rx-ssm |
 * |---|---|---|
 * | `active` | either | `active` |
 * | `inactive` (iOS: a call, the app switcher, Control Center) | either | `active`: the app still runs |
 * | `background` | off | `background`: no heartbeat until the app comes back |
 * | `background` | on | `pip`: heartbeats run as normal |
 * | `unknown`, `extension`, `null` | either | `active` |
 *
 * Emits the current state at once, then every change; unsubscribing removes the listener.
 *
 * ```
 * AppState:  active----background------active
 * pip$:      f-------------------t---f-------
 * appState$: a-------b-----------p---b-a-----
 * ```
 *
 * @example
 * ```ts
 * import { AppState } from 'react-native';
 * const session = ssmSession({ source$, appState$: appStateFromReactNative(AppState, { pip$ }) });
 * ```
 */
export function appStateFromReactNative(
  appState: ReactNativeAppStateLike,
  options: AppStateFromReactNativeOptions = {},
): Observable<AppState> {
  const native$ = new Observable<string | null>((subscriber) => {
    subscriber.next(appState.currentState);
    const subscription = appState.addEventListener('change', (state) => subscriber.next(state));
    return () => subscription.remove();
  });
  const pip$ = options.pip$ ? from(options.pip$).pipe(startWith(false)) : of(false);
  return combineLatest([native$, pip$]).pipe(
    map(([state, pip]): AppState => {
      if (state !== 'background') return 'active';
      return pip ? 'pip' : 'background';
    }),
    distinctUntilChanged(),
  );
}
