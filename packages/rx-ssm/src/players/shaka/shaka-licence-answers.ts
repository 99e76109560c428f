import { filter, fromEvent, map, merge, Observable, withLatestFrom } from 'rxjs';
import type { LicenceAnswer, SsmSource } from '../../types.js';
import { DEFAULT_TOKEN_HEADER, licenceRefusalOf } from '../../wire/wire.js';
import { licenceAnswerOf, type ReadLicence } from '../licence/licence-answer.js';
import { bytesOf, readLicenceResponse } from '../licence/licence-response.js';
import {
  SHAKA_LICENSE_REQUEST,
  type ShakaPlayerLike,
  type ShakaRequest,
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

/** A licence request the licence server refused, as Shaka's `downloadfailed` event tells it. */
interface Refusal {
  refused: NonNullable<LicenceAnswer['refused']>;
  headers: Record<string, string>;
}

/** Shaka's `downloadfailed` event (Shaka ≥ 4.4): the request, and the HTTP status if one came. */
interface ShakaDownloadFailed extends Event {
  requestType?: number;
  request?: ShakaRequest;
  httpResponseCode?: number;
  /** A `shaka.util.Error`; for BAD_HTTP_STATUS (1001) `data[2]` is the response text. */
  error?: { code?: number; data?: unknown[] } | null;
}

const SHAKA_BAD_HTTP_STATUS = 1001;

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
 * - A licence request the licence server refused (Shaka's `downloadfailed` event, HTTP 4xx or
 *   5xx) emits `refused` with its status and SSM error body: a 1008 ends a licence-mode session
 *   as stopped remotely (`isStoppedRemotely`); other refusals change nothing.
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
  const answers$ = read$.pipe(
    withLatestFrom(source$),
    filter(
      (pair): pair is [ReadAnswer, SsmSource] => pair[1] !== null && sentFor(pair[0], pair[1]),
    ),
    map(([{ reading, keySystem }, source]) => licenceAnswerOf(source.src, reading, keySystem)),
  );
  const refusals$ = fromEvent(player, 'downloadfailed').pipe(
    map((event) => refusalOf(event as ShakaDownloadFailed)),
    filter((refusal): refusal is Refusal => refusal !== undefined),
    withLatestFrom(source$),
    filter((pair): pair is [Refusal, SsmSource] => pair[1] !== null && sentFor(pair[0], pair[1])),
    map(([{ refused }, source]): LicenceAnswer => ({ src: source.src, refused })),
  );
  return merge(answers$, refusals$);
}

/** A refused licence request of a `downloadfailed` event; none for other requests or no answer. */
function refusalOf(event: ShakaDownloadFailed): Refusal | undefined {
  const status = event.httpResponseCode ?? 0;
  if (event.requestType !== SHAKA_LICENSE_REQUEST || status < 400) return undefined;
  const body = event.error?.code === SHAKA_BAD_HTTP_STATUS ? event.error.data?.[2] : undefined;
  return { refused: licenceRefusalOf(status, body), headers: event.request?.headers ?? {} };
}

/** The key system of a licence response: from its request (Shaka ≥ 4.3), else the player's. */
function keySystemOf(player: ShakaPlayerLike, response: ShakaResponse): string | undefined {
  return response.originalRequest?.drmInfo?.keySystem || player.keySystem?.() || undefined;
}

/** Whether the request carried `source`'s content token, or no token header at all. */
function sentFor({ headers }: { headers: Record<string, string> }, source: SsmSource): boolean {
  const wanted = (source.tokenHeader ?? DEFAULT_TOKEN_HEADER).toLowerCase();
  const name = Object.keys(headers).find((header) => header.toLowerCase() === wanted);
  if (name === undefined) return true;
  const contentToken = headers[name]?.split(',')[0];
  return contentToken === source.token;
}
