import {
  defer,
  distinctUntilChanged,
  EMPTY,
  filter,
  fromEvent,
  map,
  merge,
  type Observable,
  of,
  switchMap,
  take,
} from 'rxjs';
import type { SsmIntents } from '../../types.js';
import { loadIntents, type UriSourceOf } from '../source/load-intents.js';
import { shakaLicenceAnswers } from './shaka-licence-answers.js';
import type { ShakaPlayerLike } from './shaka-player.js';

/** What the app answers for the asset URI Shaka is loading. */
export type ShakaSourceOf = UriSourceOf;

type UnloadingEvent = Event & { isSwitchingContent?: boolean };
type StateChangedEvent = Event & { newstate?: string };

/**
 * The intents of a Shaka Player, from its own events:
 *
 * - `source$`: the asset being loaded, from `loading` (asked of `sourceOf`; checked again at
 *   `manifestparsed`, before any licence request), and `null` on an
 *   `unloading` that is not part of a new load (`player.unload()`, a failed load, `destroy()`).
 *   Starts with the asset already loaded, if any, so the intents can be made after `load()`.
 *   Replays the latest source to every subscriber while any is subscribed.
 * - `play$`: every load once `sourceOf` has answered for it, and `statechanged` to `playing`.
 *   After a failed session (e.g. 6001 at the limit) a new `load()` of the same asset, or playing
 *   on after the end, sets up a fresh session, with one setup: the play comes with the new
 *   answer, not before it ({@link loadIntents}). While a session is live, `play$` changes
 *   nothing.
 * - `stop$`: `statechanged` to `ended`: the slot is freed when the content ends.
 * - `licence$`: what each licence answer says ({@link shakaLicenceAnswers}): the next session
 *   token (ClearKey, PlayReady, FairPlay) or Widevine's `sessionDrmEnforced`, which put the
 *   session in licence mode (DRM enforcement). Its response filter also hands Shaka the licence
 *   bytes the CDM expects. With {@link attachSsm}, that is all enforcement needs.
 *
 * ```
 * player:    -load(a)-playing---ended--playing--load(b)-playing--unload-
 * source$:   -a---------------------------------b-----------------n------
 * play$:     -p-------p-----------------p-------p-------p----------------
 * stop$:     ------------------s-------------------------------------------
 * ```
 *
 * @param player A `shaka.Player`.
 * @param sourceOf The SSM source of an asset URI: content token and SSM service.
 *
 * @example
 * ```ts
 * const intents = shakaIntents(player, async (uri) => ({
 *   src: uri,
 *   token: await contentTokenFor(uri),
 *   ssmServerUrl: 'https://ssm.example.com/TENANT/ssm',
 * }));
 * ```
 */
export function shakaIntents(player: ShakaPlayerLike, sourceOf: ShakaSourceOf): SsmIntents {
  const assetUri$: Observable<string | null> = merge(
    defer(() => {
      const loaded = player.getAssetUri();
      return loaded ? of(loaded) : EMPTY;
    }),
    fromEvent(player, 'loading').pipe(switchMap(() => assetOfLoad(player))),
    fromEvent(player, 'unloading').pipe(
      filter((event) => !(event as UnloadingEvent).isSwitchingContent),
      map(() => null),
    ),
  );
  const { source$, loaded$ } = loadIntents(assetUri$, sourceOf);
  const playerState$ = fromEvent(player, 'statechanged').pipe(
    map((event) => (event as StateChangedEvent).newstate),
  );
  return {
    source$,
    licence$: shakaLicenceAnswers(player, source$),
    play$: merge(loaded$, playerState$.pipe(filter((state) => state === 'playing'))),
    stop$: playerState$.pipe(filter((state) => state === 'ended')),
  };
}

/**
 * The asset URI of the load that just began: read at `loading` (Shaka 5 sets it before that
 * event) and again at `manifestparsed`, before any licence request (older Shakas set it only
 * after `loading`). Each URI once.
 */
function assetOfLoad(player: ShakaPlayerLike): Observable<string> {
  return merge(of('loading'), fromEvent(player, 'manifestparsed').pipe(take(1))).pipe(
    map(() => player.getAssetUri()),
    filter((uri): uri is string => !!uri),
    distinctUntilChanged(),
  );
}
