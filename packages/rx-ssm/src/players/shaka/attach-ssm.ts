import { firstValueFrom, type Subscription } from 'rxjs';
import type { SsmSession } from '../../types.js';
import {
  type LicenseWaitOptions,
  licenseHeadersWhenActive,
} from '../licence/license-headers-when-active.js';
import { shakaLicenceRenewals } from './shaka-licence-renewals.js';
import {
  SHAKA_LICENSE_REQUEST,
  type ShakaPlayerLike,
  type ShakaRequestFilter,
} from './shaka-player.js';

/** Options of {@link attachSsm}. */
export type AttachSsmOptions = LicenseWaitOptions;

/**
 * Connects a session to a Shaka Player: a request filter adds the token header
 * (`contentToken,sessionToken`, newest session token) to every LICENSE request, and the session
 * runs for as long as it is attached.
 *
 * Sessions in licence mode (DRM enforcement) are renewed through the player as well
 * ({@link shakaLicenceRenewals}): each `renewals$` emission sends the licence request again (or
 * asks Shaka to renew the licence), and a Widevine CDM's `license-renewal` requests go to SSM
 * through `session.renewWidevine`. With `licence$` from {@link shakaIntents}, the app wires
 * nothing more.
 *
 * A licence request made before the session is `active` waits for it (at most `waitMs`) and
 * fails with the session's setup error (6001, e.g. `isSessionLimit`) rather than going out
 * without a session token. Shaka then reports a `REQUEST_FILTER_ERROR` whose `data[0]` is that
 * `SsmError`.
 *
 * Unsubscribing removes the filter and ends this subscription to the session: when it was the
 * last one, the live session is torn down.
 *
 * @param player A `shaka.Player`, with its networking engine.
 * @param session The session built from the player's intents (`shakaIntents`).
 *
 * @example
 * ```ts
 * const session = ssmSession(shakaIntents(player, sourceOf), { transport: fetchTransport() });
 * const attached = attachSsm(player, session);
 * // later, before player.destroy():
 * attached.unsubscribe();
 * ```
 */
export function attachSsm(
  player: ShakaPlayerLike,
  session: SsmSession,
  options: AttachSsmOptions = {},
): Subscription {
  const engine = player.getNetworkingEngine();
  if (!engine) throw new Error('attachSsm: the Shaka player has no networking engine (destroyed?)');
  const addTokenHeader: ShakaRequestFilter = async (type, request) => {
    if (type !== SHAKA_LICENSE_REQUEST) return;
    const headers = await firstValueFrom(licenseHeadersWhenActive(session, options));
    Object.assign(request.headers, headers);
  };
  engine.registerRequestFilter(addTokenHeader);
  const running = session.session$.subscribe();
  running.add(() => engine.unregisterRequestFilter(addTokenHeader));
  running.add(shakaLicenceRenewals(player, session));
  return running;
}
