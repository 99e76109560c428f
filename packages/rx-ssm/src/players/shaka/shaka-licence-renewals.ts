import { EMPTY, exhaustMap, firstValueFrom, merge, Observable, type Subscription, tap } from 'rxjs';
import type { SsmSession, SsmState } from '../../types.js';
import { bytesOf, licenceFormatOf, toBase64 } from '../licence/licence-response.js';
import {
  SHAKA_LICENSE_REQUEST,
  type ShakaNetworkingEngineLike,
  type ShakaPlayerLike,
  type ShakaRequest,
  type ShakaRequestFilter,
} from './shaka-player.js';

/** The last licence request of a source: what a renewal sends again. */
interface LastLicenceRequest {
  src: string;
  request: ShakaRequest;
}

/**
 * Keeps a session in licence mode (DRM enforcement) renewed by a Shaka Player:
 *
 * - Each `renewals$` emission renews the licence of the current source:
 *   - ClearKey (and any key system without a rule below): Shaka has no call that asks for a
 *     licence again, so the last licence request of the source is sent again through the
 *     player's networking engine. It goes through the same filters as Shaka's own: the token
 *     header carries the newest session token, and the answer's token reaches `licence$`. Its
 *     licence is not given to the CDM: the keys are those it already has.
 *   - PlayReady and FairPlay: `player.renewLicense()` (Shaka 5), a real CDM renewal whose
 *     licence request and answer take the same path. On an older Shaka, as ClearKey.
 *   - Widevine: nothing; its CDM renews on its own cadence (below).
 *   One renewal at a time: an emission while one is in flight is dropped (the session asks
 *   again within its period).
 * - A Widevine CDM `license-renewal` request of a session in licence mode is not sent to the
 *   licence server: a request filter hands its challenge to `session.renewWidevine` (SSM's
 *   `renewal-license-wv`, on the session's own request lane: the token it brings is adopted, and
 *   a teardown waits for it) and points the request at a `data:` URI holding the licence bytes
 *   that came back, with `GET` and no body. Why this way: a request filter cannot answer a
 *   request itself, and Shaka picks the scheme plugin before the filters run, so the licence
 *   server's HTTP plugin makes the request, and `fetch` (or XHR) of a `data:` URI answers its
 *   bytes. Rewriting the request to go to SSM instead would bypass the session's request lane,
 *   and a scheme plugin (`registerScheme`) would be global to every player of the page. A failed
 *   renewal fails the request with the `SsmError` as the `REQUEST_FILTER_ERROR`'s `data[0]`. In
 *   heartbeat mode such requests go to the licence server as usual.
 *
 * ```
 * renewals$:         ----r---------r-------
 * licence requests:  ----q(T1)-----q(T2)---   (the last licence request, newest token)
 * ```
 *
 * {@link attachSsm} runs it; unsubscribing removes the filter and stops renewing.
 */
export function shakaLicenceRenewals(
  player: ShakaPlayerLike,
  session: Pick<SsmSession, 'session$' | 'renewals$' | 'renewWidevine'>,
): Subscription {
  const engine = player.getNetworkingEngine();
  if (!engine) {
    throw new Error('shakaLicenceRenewals: the Shaka player has no networking engine (destroyed?)');
  }
  let current: SsmState = { status: 'idle' };
  let last: LastLicenceRequest | undefined;

  const licenceRequests: ShakaRequestFilter = async (type, request) => {
    if (type !== SHAKA_LICENSE_REQUEST) return;
    const keySystem = request.drmInfo?.keySystem || player.keySystem?.();
    const format = licenceFormatOf(keySystem);
    if (format === 'widevine' && request.licenseRequestType === 'license-renewal') {
      if (current.status === 'active' && current.renewal === 'licence') {
        await throughSsm(request, session);
      }
      return;
    }
    if (current.status === 'active') last = { src: current.source.src, request };
  };

  const renewals$ = session.renewals$.pipe(
    exhaustMap((renewal) => {
      if (!last || last.src !== renewal.source.src) return EMPTY;
      const format = licenceFormatOf(last.request.drmInfo?.keySystem || player.keySystem?.());
      if (format === 'widevine') return EMPTY;
      if ((format === 'playready' || format === 'fairplay') && player.renewLicense) {
        player.renewLicense();
        return EMPTY;
      }
      return sentAgain(engine, last.request);
    }),
  );

  engine.registerRequestFilter(licenceRequests);
  const running = merge(
    session.session$.pipe(
      tap((state) => {
        current = state;
        if (state.status !== 'active') last = undefined;
      }),
    ),
    renewals$,
  ).subscribe();
  running.add(() => engine.unregisterRequestFilter(licenceRequests));
  return running;
}

/** A Widevine `license-renewal` request answered through SSM: its licence as a `data:` URI. */
async function throughSsm(
  request: ShakaRequest,
  session: Pick<SsmSession, 'renewWidevine'>,
): Promise<void> {
  const challenge = request.body ? bytesOf(request.body) : new Uint8Array();
  const licence = await firstValueFrom(session.renewWidevine(challenge));
  request.uris = [`data:application/octet-stream;base64,${toBase64(licence)}`];
  request.method = 'GET';
  request.body = null;
}

/**
 * A licence request sent again through the networking engine, and so through its filters.
 * Completes when answered; a failure is dropped (the session reports a renewal that brought no
 * token). Unsubscribing aborts it.
 */
function sentAgain(engine: ShakaNetworkingEngineLike, request: ShakaRequest): Observable<never> {
  return new Observable<never>((subscriber) => {
    const again: ShakaRequest = {
      ...request,
      uris: [...request.uris],
      headers: { ...request.headers },
    };
    const pending = engine.request(SHAKA_LICENSE_REQUEST, again);
    let answered = false;
    const done = () => {
      answered = true;
      subscriber.complete();
    };
    pending.promise.then(done, done);
    return () => {
      if (!answered) Promise.resolve(pending.abort()).catch(() => {});
    };
  });
}
