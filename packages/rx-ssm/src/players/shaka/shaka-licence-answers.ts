import { filter, map, Observable, withLatestFrom } from 'rxjs';
import type { LicenceAnswer, SsmSource } from '../../types.js';
import { DEFAULT_TOKEN_HEADER } from '../../wire/wire.js';
import { licenceAnswerOf, type ReadLicence } from '../licence/licence-answer.js';
import { bytesOf, readLicenceResponse } from '../licence/licence-response.js';
import {
  SHAKA_LICENSE_REQUEST,
  type ShakaPlayerLike,
  type ShakaResponse,
  type ShakaResponseFilter,
} from './shaka-player.js';

/** One licence answer as read, with the request it answered. */
interface ReadAnswer {
  reading: ReadLicence;
  keySystem: string | undefined;
  /** The token header value the request went out with, if any. */
  headers: Record<string, string>;
}

/**
 * What every licence answer of a Shaka Player says, for the `licence$` intent. A response filter
 * reads each `LICENSE` response (ClearKey, Widevine, PlayReady, FairPlay: see
 * {@link readLicenceResponse}), hands Shaka the licence bytes the CDM expects (the JSON wrappers
 * unwrapped, ClearKey's `sessionToken` taken out), and emits the session token or the Widevine
 * enforcement flag it carried, for the player's current source.
 *
 * - An answer that cannot be read goes to Shaka unchanged and emits nothing: the CDM reports
 *   what it makes of it, and the session, missing its token, reports a 6003 in time.
 * - An answer to a request that carried another content's token (a zap in between) emits
 *   nothing: its token belongs to no live session of this source.
 * - Answers of `data:` URIs emit nothing: they hold a licence that already came through SSM
 *   (a Widevine renewal, see {@link attachSsm}).
 *
 * The filter is registered while the stream is subscribed. {@link shakaIntents} includes it as
 * `licence$`.
 *
 * ```
 * licence responses:  ---r(T1)-------r(T2)---r(raw)--
 * licence$:           ---L(T1)-------L(T2)---L-------   (src: the current source's)
 * ```
 *
 * @param player A `shaka.Player`.
 * @param source$ The player's current source (`shakaIntents(...).source$`).
 */
export function shakaLicenceAnswers(
  player: ShakaPlayerLike,
  source$: Observable<SsmSource | null>,
): Observable<LicenceAnswer> {
  const read$ = new Observable<ReadAnswer>((subscriber) => {
    const engine = player.getNetworkingEngine();
    if (!engine) return;
    const readAnswer: ShakaResponseFilter = (type, response) => {
      if (type !== SHAKA_LICENSE_REQUEST || response.uri.startsWith('data:')) return;
      const keySystem = keySystemOf(player, response);
      const reading = readLicenceResponse(keySystem, bytesOf(response.data));
      if (reading.status !== 'read') return;
      response.data = reading.licence;
      subscriber.next({ reading, keySystem, headers: response.originalRequest?.headers ?? {} });
    };
    engine.registerResponseFilter(readAnswer);
    return () => engine.unregisterResponseFilter(readAnswer);
  });
  return read$.pipe(
    withLatestFrom(source$),
    filter(
      (pair): pair is [ReadAnswer, SsmSource] => pair[1] !== null && sentFor(pair[0], pair[1]),
    ),
    map(([{ reading, keySystem }, source]) => licenceAnswerOf(source.src, reading, keySystem)),
  );
}

/** The key system of a licence response: from its request (Shaka ≥ 4.3), else the player's. */
function keySystemOf(player: ShakaPlayerLike, response: ShakaResponse): string | undefined {
  return response.originalRequest?.drmInfo?.keySystem || player.keySystem?.() || undefined;
}

/** Whether the request carried `source`'s content token, or no token header at all. */
function sentFor({ headers }: ReadAnswer, source: SsmSource): boolean {
  const wanted = (source.tokenHeader ?? DEFAULT_TOKEN_HEADER).toLowerCase();
  const name = Object.keys(headers).find((header) => header.toLowerCase() === wanted);
  if (name === undefined) return true;
  const contentToken = headers[name]?.split(',')[0];
  return contentToken === source.token;
}
