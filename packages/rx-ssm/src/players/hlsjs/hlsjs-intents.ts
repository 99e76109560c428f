import { defer, EMPTY, fromEvent, map, merge, Observable, of, switchMap } from 'rxjs';
import type { LicenceAnswer, SsmIntents, SsmSource } from '../../types.js';
import { asLicenceAnswers, type ReadAnswer, readRenewalAnswer } from '../licence/licence-answer.js';
import { bytesOf, readLicenceResponse } from '../licence/licence-response.js';
import { loadIntents, type UriSourceOf } from '../source/load-intents.js';
import {
  HLSJS_EVENTS,
  HLSJS_RENEWAL_ANSWER,
  type HlsjsLicenseResponseCallback,
  type HlsjsLike,
  type HlsjsRenewalAnswer,
  hlsjsEvent$,
  licenceHooksOf,
} from './hlsjs-player.js';

/**
 * The intents of an hls.js instance, from its own events:
 *
 * - `source$`: the manifest of each `loadSource()` (`hlsManifestLoading`, asked of
 *   `sourceOf`), and `null` when the instance is destroyed. Starts with the manifest already
 *   loaded, if any. Replays the latest source while subscribed.
 * - `play$`: every load once `sourceOf` has answered for it, and `playing` on the attached
 *   media element.
 * - `stop$`: `ended` on the attached media element.
 * - `licence$`: what each licence answer says ({@link hlsjsLicenceAnswers}).
 *
 * @param hls An `Hls` instance, with `emeEnabled` and its `drmSystems`.
 * @param sourceOf The SSM source of a manifest URL: content token and SSM service.
 */
export function hlsjsIntents(hls: HlsjsLike, sourceOf: UriSourceOf): SsmIntents {
  const uri$: Observable<string | null> = merge(
    defer(() => (hls.url ? of(hls.url) : EMPTY)),
    hlsjsEvent$<{ url: string }>(hls, HLSJS_EVENTS.MANIFEST_LOADING).pipe(map(({ url }) => url)),
    hlsjsEvent$(hls, HLSJS_EVENTS.DESTROYING).pipe(map(() => null)),
  );
  const media$ = merge(
    defer(() => of(hls.media)),
    hlsjsEvent$<{ media: HTMLMediaElement }>(hls, HLSJS_EVENTS.MEDIA_ATTACHED).pipe(
      map(({ media }) => media),
    ),
  );
  const mediaEvent$ = (type: string) =>
    media$.pipe(switchMap((media) => (media ? fromEvent(media, type) : EMPTY)));
  const { source$, loaded$ } = loadIntents(uri$, sourceOf);
  return {
    source$,
    licence$: hlsjsLicenceAnswers(hls, source$),
    play$: merge(loaded$, mediaEvent$('playing')),
    stop$: mediaEvent$('ended'),
  };
}

/**
 * What every licence answer of an hls.js instance says, for the `licence$` intent. While
 * subscribed, its `licenseResponseCallback` (wrapping the app's own, if any) reads each answer
 * ({@link readLicenceResponse}), hands the CDM the licence bytes (ClearKey's JSON without
 * `sessionToken`, JSON wrappers unwrapped) and emits what it carried, for the current source.
 * The answers of the renewals {@link attachHlsjs} sends come in as an event of the instance.
 *
 * @param hls An `Hls` instance.
 * @param source$ Its current source (`hlsjsIntents(...).source$`).
 */
export function hlsjsLicenceAnswers(
  hls: HlsjsLike,
  source$: Observable<SsmSource | null>,
): Observable<LicenceAnswer> {
  const fromHls$ = new Observable<ReadAnswer>((subscriber) => {
    const hooks = licenceHooksOf(hls);
    const previous = hooks.licenseResponseCallback;
    const readAnswer: HlsjsLicenseResponseCallback = function (xhr, url, keyContext) {
      const body: ArrayBuffer = previous ? previous.call(this, xhr, url, keyContext) : xhr.response;
      const reading = readLicenceResponse(keyContext.keySystem, bytesOf(body));
      if (reading.status !== 'read') return body;
      subscriber.next({ reading, keySystem: keyContext.keySystem });
      return new Uint8Array(reading.licence).buffer;
    };
    hooks.licenseResponseCallback = readAnswer;
    return () => {
      if (hooks.licenseResponseCallback === readAnswer) hooks.licenseResponseCallback = previous;
    };
  });
  const fromRenewals$ = hlsjsEvent$<HlsjsRenewalAnswer>(hls, HLSJS_RENEWAL_ANSWER).pipe(
    map(readRenewalAnswer),
  );
  return merge(fromHls$, fromRenewals$).pipe(asLicenceAnswers(source$));
}
