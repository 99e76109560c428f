import type { SsmState } from '../types.js';
import { licenseHeaders } from '../wire/license-headers.js';

/** The part of react-native-video's `drm` (`Drm`) that carries licence request headers. */
export interface VideoDrmLike {
  headers?: Readonly<Record<string, string>>;
}

/**
 * react-native-video's `drm` source property with the SSM token header added: the licence
 * requests of the player carry `contentToken,sessionToken` with the newest session token. Call
 * it on every render with the session's state (e.g. from `useSsmSession`): each rotation gives
 * new headers, so the next licence request uses the new token. While the session is not
 * `active` the headers carry no session token; load the source once it is.
 *
 * @example
 * ```tsx
 * const { state } = useSsmSession({ source });
 * <Video source={{ uri, drm: videoDrm(state, { type: DRMType.WIDEVINE, licenseServer }) }} />
 * ```
 */
export function videoDrm<Drm extends VideoDrmLike>(state: SsmState, drm: Drm): Drm {
  return { ...drm, headers: { ...drm.headers, ...licenseHeaders(state) } };
}
