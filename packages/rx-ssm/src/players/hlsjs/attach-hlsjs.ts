import { firstValueFrom, ignoreElements, merge, type Subscription, tap } from 'rxjs';
import type { SsmSession, SsmState } from '../../types.js';
import { type LastLicenceRequest, renewalsSentAgain } from '../licence/licence-request-again.js';
import {
  type LicenseWaitOptions,
  licenseHeadersWhenActive,
} from '../licence/license-headers-when-active.js';
import {
  HLSJS_RENEWAL_ANSWER,
  type HlsjsLicenseXhrSetup,
  type HlsjsLike,
  type HlsjsRenewalAnswer,
  licenceHooksOf,
} from './hlsjs-player.js';

/** Options of {@link attachHlsjs}. */
export type AttachHlsjsOptions = LicenseWaitOptions;

/**
 * Connects a session to an hls.js instance (`emeEnabled`, with `drmSystems`), for as long as it
 * is attached:
 *
 * - Its `licenseXhrSetup` (wrapping the app's own, if any) adds the token header
 *   (`contentToken,sessionToken`, the newest session token when the request goes out) to every
 *   licence request. A request made before the session is `active` waits for it (at most
 *   `waitMs`); when the session fails (6001), the setup rejects with that `SsmError` and hls.js
 *   fails the licence request (a `keySystemLicenseRequestFailed` error).
 * - In licence mode (DRM enforcement), each `renewals$` emission sends the last licence request
 *   of the source again with the newest token, beside hls.js (which has no call for that); its
 *   answer goes to `licence$` as an event of the instance ({@link HLSJS_RENEWAL_ANSWER}).
 *   Widevine sessions are renewed by the CDM's own `license-renewal` messages, which hls.js
 *   sends to the licence server like any licence request (its setup hook cannot tell them apart,
 *   so they do not go through `session.renewWidevine`).
 *
 * Unsubscribing puts the app's own `licenseXhrSetup` back and ends this subscription to the
 * session: when it was the last one, the live session is torn down. Unsubscribe before
 * `hls.destroy()`.
 *
 * @param hls An `Hls` instance.
 * @param session The session built from its intents (`hlsjsIntents`).
 */
export function attachHlsjs(
  hls: HlsjsLike,
  session: Pick<SsmSession, 'session$' | 'renewals$'>,
  options: AttachHlsjsOptions = {},
): Subscription {
  const hooks = licenceHooksOf(hls);
  const previous = hooks.licenseXhrSetup;
  let current: SsmState = { status: 'idle' };
  let last: LastLicenceRequest | undefined;

  const addTokenHeader: HlsjsLicenseXhrSetup = async function (xhr, url, keyContext, challenge) {
    const own = previous ? await previous.call(this, xhr, url, keyContext, challenge) : undefined;
    const headers = await firstValueFrom(licenseHeadersWhenActive(session, options));
    if (xhr.readyState === XMLHttpRequest.UNSENT) xhr.open('POST', url, true);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (current.status === 'active') {
      last = {
        src: current.source.src,
        keySystem: keyContext.keySystem,
        url,
        method: 'POST',
        headers,
        body: new Uint8Array(own ?? challenge),
      };
    }
    return own;
  };

  const renewals$ = renewalsSentAgain(session.renewals$, () => last).pipe(
    tap((answer: HlsjsRenewalAnswer) =>
      hls.trigger(HLSJS_RENEWAL_ANSWER as never, answer as never),
    ),
  );

  hooks.licenseXhrSetup = addTokenHeader;
  const running = merge(
    session.session$.pipe(
      tap((state) => {
        current = state;
        if (state.status !== 'active') last = undefined;
      }),
    ),
    renewals$,
  )
    .pipe(ignoreElements())
    .subscribe();
  running.add(() => {
    if (hooks.licenseXhrSetup === addTokenHeader) hooks.licenseXhrSetup = previous;
  });
  return running;
}
