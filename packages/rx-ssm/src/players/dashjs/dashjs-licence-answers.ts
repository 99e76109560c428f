import { map, merge, Observable, startWith, withLatestFrom } from 'rxjs';
import type { LicenceAnswer, SsmSource } from '../../types.js';
import { asLicenceAnswers, type ReadAnswer, readRenewalAnswer } from '../licence/licence-answer.js';
import { bytesOf, readLicenceResponse } from '../licence/licence-response.js';
import {
  DASHJS_EVENTS,
  DASHJS_RENEWAL_ANSWER,
  type DashjsFilter,
  type DashjsLicenseResponse,
  type DashjsPlayerLike,
  type DashjsRenewalAnswer,
  dashjsEvent$,
} from './dashjs-player.js';

/**
 * What every licence answer of a dash.js player says, for the `licence$` intent. A licence
 * response filter reads each answer ({@link readLicenceResponse}: ClearKey, Widevine, PlayReady),
 * hands dash.js what its key system expects (ClearKey's JSON without `sessionToken`, the
 * Widevine JSON wrapper unwrapped into the licence bytes), and emits the session token or the
 * Widevine enforcement flag it carried, for the player's current source. The answers of the
 * renewals {@link attachDashjs} sends come in through the player's event bus.
 *
 * An answer that cannot be read goes to dash.js unchanged and emits nothing. dash.js drops the
 * answers of a stream it has torn down (a zap), so an answer is always the current source's.
 *
 * ```
 * licence responses:  ---r(T1)-------r(T2)--
 * licence$:           ---L(T1)-------L(T2)--   (src: the current source's)
 * ```
 *
 * @param player A dash.js `MediaPlayer`.
 * @param source$ The player's current source (`dashjsIntents(...).source$`).
 */
export function dashjsLicenceAnswers(
  player: DashjsPlayerLike,
  source$: Observable<SsmSource | null>,
): Observable<LicenceAnswer> {
  const keySystem$ = dashjsEvent$<{ data?: { keySystem?: { systemString?: string } } }>(
    player,
    DASHJS_EVENTS.KEY_SYSTEM_SELECTED,
  ).pipe(
    map((event) => event.data?.keySystem?.systemString),
    startWith(undefined),
  );
  const responses$ = new Observable<DashjsLicenseResponse>((subscriber) => {
    const readAnswer: DashjsFilter<DashjsLicenseResponse> = async (response) =>
      subscriber.next(response);
    player.registerLicenseResponseFilter(readAnswer);
    return () => player.unregisterLicenseResponseFilter(readAnswer);
  });
  // The filter runs synchronously inside next(): the answer is rewritten before dash.js goes on.
  const fromPlayer$ = responses$.pipe(
    withLatestFrom(keySystem$),
    map(([response, keySystem]) => readInPlace(response, keySystem)),
  );
  const fromRenewals$ = dashjsEvent$<DashjsRenewalAnswer>(player, DASHJS_RENEWAL_ANSWER).pipe(
    map(readRenewalAnswer),
  );
  return merge(fromPlayer$, fromRenewals$).pipe(asLicenceAnswers(source$));
}

/** Reads a dash.js licence response and gives dash.js the licence for its key system. */
function readInPlace(
  response: DashjsLicenseResponse,
  keySystem: string | undefined,
): ReadAnswer | undefined {
  const parsed = !(response.data instanceof ArrayBuffer) && !ArrayBuffer.isView(response.data);
  // dash.js asks for ClearKey answers as JSON: it hands the filter the parsed object.
  const system = keySystem ?? (parsed ? 'org.w3.clearkey' : undefined);
  const body = parsed
    ? new TextEncoder().encode(JSON.stringify(response.data))
    : bytesOf(response.data as ArrayBuffer | ArrayBufferView);
  const reading = readLicenceResponse(system, body);
  if (reading.status !== 'read') return undefined;
  response.data = parsed
    ? JSON.parse(new TextDecoder().decode(reading.licence))
    : new Uint8Array(reading.licence).buffer;
  return { reading, keySystem: system };
}
