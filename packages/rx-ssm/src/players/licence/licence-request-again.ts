import { EMPTY, exhaustMap, map, Observable } from 'rxjs';
import type { SsmRenewal } from '../../types.js';
import { DEFAULT_TOKEN_HEADER } from '../../wire/wire.js';
import type { RenewalAnswer } from './licence-answer.js';
import { licenceFormatOf } from './licence-response.js';

/** The last licence request of a source, as it went out: what a renewal sends again. */
export interface LastLicenceRequest {
  src: string;
  keySystem: string | undefined;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: BodyInit | null;
}

/**
 * The last licence request sent again with the renewal's token, for players that have no call
 * that asks for a licence again (dash.js, hls.js). Emits the answer's status and body, whatever
 * the status (a refusal may say why: 1008, stopped remotely); no answer at all is dropped (the
 * session reports a renewal that brought no token). Unsubscribing aborts it.
 *
 * ```
 * renewal:  r
 * answer:   ----(b|)
 * ```
 */
export function sentAgain(
  request: LastLicenceRequest,
  renewal: SsmRenewal,
): Observable<{ status: number; body: ArrayBuffer }> {
  const tokenHeader = (renewal.source.tokenHeader ?? DEFAULT_TOKEN_HEADER).toLowerCase();
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== tokenHeader),
  );
  headers[tokenHeader] = renewal.authorization;
  return new Observable<{ status: number; body: ArrayBuffer }>((subscriber) => {
    const abort = new AbortController();
    const init = { method: request.method, headers, body: request.body, signal: abort.signal };
    fetch(request.url, init)
      .then(async (response) => {
        subscriber.next({ status: response.status, body: await response.arrayBuffer() });
      })
      .catch(() => {})
      .finally(() => subscriber.complete());
    return () => abort.abort();
  });
}

/**
 * The renewals the session asks for (`renewals$`), each as the last licence request of its
 * source sent again with the renewal's token, one at a time: a renewal asked while one is on
 * its way is skipped. Widevine sessions are left to their CDM. Emits each answer, for the
 * adapter to put on the player's events, where its `licence$` reads it.
 *
 * ```
 * renewals$:  r------r--
 * answers:    ----a------a
 * ```
 */
export function renewalsSentAgain(
  renewals$: Observable<SsmRenewal>,
  lastRequest: () => LastLicenceRequest | undefined,
): Observable<RenewalAnswer> {
  return renewals$.pipe(
    exhaustMap((renewal) => {
      const request = lastRequest();
      if (!request || request.src !== renewal.source.src) return EMPTY;
      if (licenceFormatOf(request.keySystem) === 'widevine') return EMPTY;
      return sentAgain(request, renewal).pipe(
        map(
          ({ status, body }): RenewalAnswer => ({
            src: request.src,
            keySystem: request.keySystem,
            body,
            ...((status < 200 || status >= 300) && { status }),
          }),
        ),
      );
    }),
  );
}
