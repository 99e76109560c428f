import { firstValueFrom, ignoreElements, merge, type Subscription, tap } from 'rxjs';
import type { SsmSession, SsmState } from '../../types.js';
import { type LastLicenceRequest, renewalsSentAgain } from '../licence/licence-request-again.js';
import { bytesOf, licenceFormatOf, toBase64 } from '../licence/licence-response.js';
import {
  type LicenseWaitOptions,
  licenseHeadersWhenActive,
} from '../licence/license-headers-when-active.js';
import {
  DASHJS_EVENTS,
  DASHJS_RENEWAL_ANSWER,
  type DashjsFilter,
  type DashjsLicenseRequest,
  type DashjsPlayerLike,
  type DashjsRenewalAnswer,
  dashjsEvent$,
} from './dashjs-player.js';

/** Options of {@link attachDashjs}. */
export type AttachDashjsOptions = LicenseWaitOptions;

/**
 * Connects a session to a dash.js `MediaPlayer` (v5), for as long as it is attached:
 *
 * - A licence request filter (`registerLicenseRequestFilter`) adds the token header
 *   (`contentToken,sessionToken`, the newest session token at the moment the request goes out)
 *   to every licence request. A request made before the session is `active` waits for it (at
 *   most `waitMs`); when the session fails (6001, e.g. `isSessionLimit`), the filter rejects
 *   with that `SsmError` and dash.js sends no licence request at all (it does not report a
 *   rejected filter: the app learns of it from `errors$`).
 * - In licence mode (DRM enforcement), each `renewals$` emission sends the last licence request
 *   of the source again, with the newest token, beside dash.js (which has no call for that); its
 *   answer goes to `licence$` through the player's event bus ({@link DASHJS_RENEWAL_ANSWER}) and
 *   not to the CDM, which has its keys. A Widevine CDM's `license-renewal` request goes to SSM
 *   instead (`session.renewWidevine`), and dash.js fetches the licence that came back from a
 *   `data:` URI.
 *
 * Unsubscribing removes the filter and ends this subscription to the session: when it was the
 * last one, the live session is torn down. `player.reset()` removes dash.js's filters too, so
 * attach again after re-initializing a reset player.
 *
 * @param player A dash.js `MediaPlayer`, initialized.
 * @param session The session built from the player's intents (`dashjsIntents`).
 *
 * @example
 * ```ts
 * const session = ssmSession(dashjsIntents(player, sourceOf), { transport: fetchTransport() });
 * const attached = attachDashjs(player, session);
 * // later, before player.reset():
 * attached.unsubscribe();
 * ```
 */
export function attachDashjs(
  player: DashjsPlayerLike,
  session: Pick<SsmSession, 'session$' | 'renewals$' | 'renewWidevine'>,
  options: AttachDashjsOptions = {},
): Subscription {
  let current: SsmState = { status: 'idle' };
  let keySystem: string | undefined;
  let last: LastLicenceRequest | undefined;

  const addTokenHeader: DashjsFilter<DashjsLicenseRequest> = async (request) => {
    const format = licenceFormatOf(keySystem);
    if (format === 'widevine' && request.messageType === 'license-renewal') {
      if (current.status === 'active' && current.renewal === 'licence') {
        await throughSsm(request, session);
        return;
      }
    }
    const headers = await firstValueFrom(licenseHeadersWhenActive(session, options));
    Object.assign(request.headers, headers);
    if (current.status === 'active' && request.messageType === 'license-request') {
      last = {
        src: current.source.src,
        keySystem,
        url: request.url,
        method: request.method,
        headers: { ...request.headers },
        body: bodyOf(request.data),
      };
    }
  };

  const renewals$ = renewalsSentAgain(session.renewals$, () => last).pipe(
    tap((answer: DashjsRenewalAnswer) =>
      player.trigger(DASHJS_RENEWAL_ANSWER as never, answer, {}),
    ),
  );

  player.registerLicenseRequestFilter(addTokenHeader);
  const running = merge(
    session.session$.pipe(
      tap((state) => {
        current = state;
        if (state.status !== 'active') last = undefined;
      }),
    ),
    dashjsEvent$<{ data?: { keySystem?: { systemString?: string } } }>(
      player,
      DASHJS_EVENTS.KEY_SYSTEM_SELECTED,
    ).pipe(
      tap((event) => {
        keySystem = event.data?.keySystem?.systemString;
      }),
    ),
    renewals$,
  )
    .pipe(ignoreElements())
    .subscribe();
  running.add(() => player.unregisterLicenseRequestFilter(addTokenHeader));
  return running;
}

/** A Widevine `license-renewal` request answered through SSM: its licence as a `data:` URI. */
async function throughSsm(
  request: DashjsLicenseRequest,
  session: Pick<SsmSession, 'renewWidevine'>,
): Promise<void> {
  const body = bodyOf(request.data);
  const challenge =
    body instanceof ArrayBuffer || ArrayBuffer.isView(body) ? bytesOf(body) : new Uint8Array();
  const licence = await firstValueFrom(session.renewWidevine(challenge));
  request.url = `data:application/octet-stream;base64,${toBase64(licence)}`;
  request.method = 'GET';
  request.data = null;
}

/** A licence request body as `fetch` takes it. */
function bodyOf(data: DashjsLicenseRequest['data']): BodyInit | null {
  if (data === null || typeof data === 'string') return data;
  return data instanceof ArrayBuffer ? data.slice(0) : new Uint8Array(bytesOf(data));
}
