import {
  defer,
  EMPTY,
  filter,
  map,
  merge,
  type Observable,
  of,
  startWith,
  switchMap,
  take,
} from 'rxjs';
import type { SsmIntents } from '../../types.js';
import { loadIntents, type UriSourceOf } from '../source/load-intents.js';
import { dashjsLicenceAnswers } from './dashjs-licence-answers.js';
import {
  attachedUrl,
  DASHJS_EVENTS,
  type DashjsPlayerLike,
  dashjsEvent$,
} from './dashjs-player.js';

/**
 * The intents of a dash.js `MediaPlayer` (v5), from its own events:
 *
 * - `source$`: the manifest URL being loaded: asked of `sourceOf` at the first
 *   `manifestLoadingStarted` of each `attachSource()` (manifest refreshes of a live stream and
 *   `updateSource()` are no new load), and `null` when the source is detached (`reset()`,
 *   `attachSource(null)`). Starts with the source already attached, if any. Replays the latest
 *   source while subscribed. Manifests attached as objects are not asked about.
 * - `play$`: every load once `sourceOf` has answered for it, and `playbackPlaying`: after a
 *   failed session (6001) or the end, attaching the source again or playing on sets up a fresh
 *   session.
 * - `stop$`: `playbackEnded`.
 * - `licence$`: what each licence answer says ({@link dashjsLicenceAnswers}).
 *
 * ```
 * player:   -attach(a)-playing--ended--attach(b)-playing--reset-
 * source$:  -a--------------------------b-------------------n----
 * play$:    -p---------p--------------p---------p---------------
 * stop$:    --------------------s------------------------------
 * ```
 *
 * @param player A dash.js `MediaPlayer`, initialized.
 * @param sourceOf The SSM source of a manifest URL: content token and SSM service.
 */
export function dashjsIntents(player: DashjsPlayerLike, sourceOf: UriSourceOf): SsmIntents {
  const manifestLoading$ = dashjsEvent$(player, DASHJS_EVENTS.MANIFEST_LOADING_STARTED);
  const loadOfAttach$ = manifestLoading$.pipe(
    take(1),
    map(() => attachedUrl(player)),
    filter((url): url is string => url !== null),
  );
  // Every attachSource() tears the previous stream down (none before the first one).
  const uri$: Observable<string | null> = merge(
    defer(() => {
      const url = attachedUrl(player);
      return url ? of(url) : EMPTY;
    }),
    dashjsEvent$(player, DASHJS_EVENTS.STREAM_TEARDOWN_COMPLETE).pipe(
      startWith('first attach'),
      switchMap((event) => {
        if (event === 'first attach') return attachedUrl(player) ? EMPTY : loadOfAttach$;
        return attachedUrl(player) ? loadOfAttach$ : of(null);
      }),
    ),
  );
  const { source$, loaded$ } = loadIntents(uri$, sourceOf);
  return {
    source$,
    licence$: dashjsLicenceAnswers(player, source$),
    play$: merge(loaded$, dashjsEvent$(player, DASHJS_EVENTS.PLAYBACK_PLAYING)),
    stop$: dashjsEvent$(player, DASHJS_EVENTS.PLAYBACK_ENDED),
  };
}
