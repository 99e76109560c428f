import type { AppStateStatic } from 'react-native';
import type { OnPictureInPictureStatusChangedData } from 'react-native-video';
import { type Observable, Subject } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { testScheduler } from '../../../../spec/support/marbles.js';
import {
  appStateFromReactNative,
  type ReactNativeAppStateLike,
} from '../../src/react-native/index.js';

/**
 * React Native's `AppState` as the app sees it on a device: the current state and 'change'
 * events, driven here by a marble diagram (no device can run in this suite).
 */
function nativeAppState(changes$: Observable<string>, initial: string) {
  let listeners = 0;
  let current = initial;
  const appState: ReactNativeAppStateLike & { listeners(): number } = {
    get currentState() {
      return current;
    },
    addEventListener(_type, listener) {
      listeners += 1;
      const subscription = changes$.subscribe((state) => {
        current = state;
        listener(state);
      });
      return {
        remove() {
          listeners -= 1;
          subscription.unsubscribe();
        },
      };
    },
    listeners: () => listeners,
  };
  return appState;
}

describe('appStateFromReactNative', () => {
  it('accepts React Native’s own AppState module and react-native-video’s PiP event (types)', () => {
    expectTypeOf<AppStateStatic>().toMatchTypeOf<ReactNativeAppStateLike>();
    const pip$ = new Subject<boolean>();
    const onPictureInPictureStatusChanged = (e: OnPictureInPictureStatusChangedData) =>
      pip$.next(e.isActive);
    expectTypeOf(onPictureInPictureStatusChanged).parameter(0).toHaveProperty('isActive');
  });

  it('active and inactive run; background pauses; background in picture-in-picture is pip', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const native = nativeAppState(
        hot('--i-a-b---a-b--', {
          i: 'inactive',
          a: 'active',
          b: 'background',
        }) as Observable<string>,
        'active',
      );
      const pip$ = hot('f---------------t--f', { f: false, t: true });
      expectObservable(appStateFromReactNative(native, { pip$ }), '^ 20ms !').toBe(
        'a-----b---a-b---p--b',
        { a: 'active', b: 'background', p: 'pip' },
      );
    });
  });

  it('starts with the current state; unknown and extension run as active', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const native = nativeAppState(
        hot('--u-x-b', { u: 'unknown', x: 'extension', b: 'background' }) as Observable<string>,
        'background',
      );
      expectObservable(appStateFromReactNative(native)).toBe('b-a---b', {
        a: 'active',
        b: 'background',
      });
    });
  });

  it('unsubscribing removes its listener', () => {
    const native = nativeAppState(new Subject<string>(), 'active');
    const subscription = appStateFromReactNative(native).subscribe();
    expect(native.listeners()).toBe(1);
    subscription.unsubscribe();
    expect(native.listeners()).toBe(0);
  });
});
