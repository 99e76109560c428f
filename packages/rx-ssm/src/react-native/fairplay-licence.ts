import { firstValueFrom, type Observer } from 'rxjs';
import { fromBase64, readFairPlay, toBase64 } from '../players/licence/licence-response.js';
import { licenseHeadersWhenActive } from '../players/licence/license-headers-when-active.js';
import type { LicenceAnswer, SsmSession } from '../types.js';

/** Options of {@link fairPlayGetLicense}. */
export interface FairPlayGetLicenseOptions {
  /** The `src` of the source this player plays: its licence answers are for it. */
  src: string;
  /** Where the licence answers go: the `licence$` intent of the session. */
  licence: Pick<Observer<LicenceAnswer>, 'next'>;
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /** How long a licence request may wait for the session to be active. Default 10 000 ms. */
  waitMs?: number;
}

/**
 * react-native-video's `drm.getLicense` for FairPlay with SSM: sends the SPC to the licence
 * server with the token header of the newest session token (waiting, bounded, for the session),
 * reads the answer (`{"CkcMessage": base64, "sessionToken": ...}` or a raw CKC), hands the
 * token it carries to the session (licence-driven sessions), and resolves the CKC as base64.
 * A licence request never goes out without its session token: with no session it rejects with
 * the session's `SsmError`.
 *
 * @example
 * ```tsx
 * const licence$ = useMemo(() => new Subject<LicenceAnswer>(), []);
 * const { state, session } = useSsmSession({ source, licence$ });
 * const getLicense = fairPlayGetLicense(session, { src: source.src, licence: licence$ });
 * <Video source={{ uri, drm: videoDrm(state, { type: DRMType.FAIRPLAY, certificateUrl, getLicense }) }} />
 * ```
 */
export function fairPlayGetLicense(
  session: Pick<SsmSession, 'session$'>,
  options: FairPlayGetLicenseOptions,
): (spcBase64: string, contentId: string, licenseUrl: string) => Promise<string> {
  return async (spcBase64, _contentId, licenseUrl) => {
    const headers = await firstValueFrom(
      licenseHeadersWhenActive(session, { waitMs: options.waitMs ?? 10_000 }),
    );
    const spc = fromBase64(spcBase64);
    if (!spc) throw new TypeError('getLicense: the SPC is not base64');
    const send = options.fetch ?? globalThis.fetch;
    const response = await send(licenseUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
      body: new Uint8Array(spc),
    });
    const body = new Uint8Array(await response.arrayBuffer());
    if (!response.ok)
      throw new Error(`FairPlay licence request failed with HTTP ${response.status}`);
    const reading = readFairPlay(body);
    if (reading.status === 'unreadable') throw new Error(`FairPlay licence: ${reading.reason}`);
    // Without a token the server kept the session's: in licence mode that still renews it.
    options.licence.next({
      src: options.src,
      ...(reading.sessionToken ? { sessionToken: reading.sessionToken } : { renewed: true }),
      keySystem: 'com.apple.fps',
    });
    return toBase64(reading.licence);
  };
}
