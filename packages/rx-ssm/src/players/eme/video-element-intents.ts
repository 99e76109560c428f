import {
  defer,
  EMPTY,
  filter,
  fromEvent,
  map,
  merge,
  type Observable,
  of,
  shareReplay,
  switchMap,
} from 'rxjs';
import type { SsmIntents, SsmSource } from '../../types.js';
import { answered, type SourceAnswer } from '../source/source-answer.js';

/** The part of an `HTMLMediaElement` the adapter reads. */
export interface MediaElementLike extends EventTarget {
  /** `''` when the element has no `src` attribute. */
  readonly src: string;
  readonly srcObject: unknown;
  /** `0` (`NETWORK_EMPTY`) when nothing is loaded. */
  readonly networkState: number;
  querySelector(selectors: string): unknown;
}

/** What the app answers for the content the element is loading. */
export type VideoSourceOf<E extends MediaElementLike = MediaElementLike> = (
  element: E,
) => SourceAnswer;

const NETWORK_EMPTY = 0;

/** Whether the element has a source to load: a `src`, a `srcObject` or a `<source>` child. */
const hasSource = (element: MediaElementLike) =>
  element.src !== '' || !!element.srcObject || !!element.querySelector('source');

/**
 * The intents of a plain `<video>` (or `<audio>`) element, including MSE players that set its
 * `src` or `srcObject` themselves:
 *
 * - `source$`: asked of `sourceOf(element)` on every `loadstart` (each new `src`, `srcObject` or
 *   `load()`), and `null` on `emptied` once the element has no source left (unload). Starts
 *   with the current content when the element has already begun loading. Replays the latest
 *   source while subscribed.
 * - `play$`: `play` events (a fresh session after a stop).
 * - `stop$`: `ended` events.
 *
 * `sourceOf` reads whatever identifies the content (`currentSrc`, a data attribute, the app's
 * own state): with MSE, `currentSrc` is only a `blob:` URL.
 *
 * ```
 * element:   -src=a---play--ended--play--src=b--removeAttribute(src);load()-
 * source$:   -a-----------------------------b---n---------------------------
 * play$:     -------p-------------p---------------------------------------
 * stop$:     --------------s--------------------------------------------
 * ```
 *
 * @example
 * ```ts
 * const intents = videoElementIntents(video, (element) => ({
 *   src: element.currentSrc,
 *   token: contentToken,
 *   ssmServerUrl: 'https://ssm.example.com/TENANT/ssm',
 * }));
 * ```
 */
export function videoElementIntents<E extends MediaElementLike>(
  element: E,
  sourceOf: VideoSourceOf<E>,
): SsmIntents {
  const loads$: Observable<'load' | 'unload'> = merge(
    defer(() => (element.networkState !== NETWORK_EMPTY ? of('load' as const) : EMPTY)),
    fromEvent(element, 'loadstart').pipe(map(() => 'load' as const)),
    fromEvent(element, 'emptied').pipe(
      filter(() => !hasSource(element)),
      map(() => 'unload' as const),
    ),
  );
  const source$: Observable<SsmSource | null> = loads$.pipe(
    switchMap((load) => (load === 'load' ? answered(() => sourceOf(element)) : of(null))),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  return {
    source$,
    play$: fromEvent(element, 'play'),
    stop$: fromEvent(element, 'ended'),
  };
}
