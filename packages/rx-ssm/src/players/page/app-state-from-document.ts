import { defer, distinctUntilChanged, fromEvent, map, merge, type Observable, of } from 'rxjs';
import type { AppState } from '../../types.js';

/** The part of a `Document` the mapping reads. */
export interface DocumentLike extends EventTarget {
  readonly visibilityState: string;
  readonly pictureInPictureElement?: unknown;
}

/** Options of {@link appStateFromDocument}. */
export interface AppStateFromDocumentOptions {
  /**
   * What a hidden page is. Default `'background'`: no heartbeat while hidden, one catch-up
   * heartbeat on return. `'active'` keeps heartbeats going in a hidden tab, for an app that
   * plays on (audio) while hidden.
   */
  hidden?: AppState;
}

/**
 * The page's {@link AppState}, from page visibility:
 *
 * | page | state |
 * |---|---|
 * | visible | `active` |
 * | a video in picture-in-picture (visible or not) | `pip` |
 * | hidden (other tab, minimised, screen locked) | `options.hidden`, default `background` |
 * | frozen by the browser (`freeze`, until `resume`) | `background` |
 *
 * Hidden is `background` by default because browsers throttle a hidden page's timers (and may
 * freeze it), so heartbeats cannot be counted on; the SDK sends a catch-up heartbeat on the
 * return, and a 6003 then means the server expired the session meanwhile.
 *
 * ```
 * document:  -hide----show--enterpip--hide--leavepip-
 * state:     a-b------a-----p--------------b---------
 * ```
 */
export function appStateFromDocument(
  document: DocumentLike,
  options: AppStateFromDocumentOptions = {},
): Observable<AppState> {
  const hidden = options.hidden ?? 'background';
  const stateNow = (): AppState => {
    if (document.pictureInPictureElement) return 'pip';
    return document.visibilityState === 'hidden' ? hidden : 'active';
  };
  // Picture-in-picture events fire at the video and bubble; capture them wherever it is.
  const capture = { capture: true };
  return merge(
    defer(() => of(stateNow())),
    merge(
      fromEvent(document, 'visibilitychange'),
      fromEvent(document, 'enterpictureinpicture', capture),
      fromEvent(document, 'leavepictureinpicture', capture),
      fromEvent(document, 'resume'),
    ).pipe(map(stateNow)),
    fromEvent(document, 'freeze').pipe(map((): AppState => 'background')),
  ).pipe(distinctUntilChanged());
}
