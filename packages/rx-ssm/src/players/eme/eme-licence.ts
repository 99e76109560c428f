import type { LicenceAnswer } from '../../types.js';
import { bytesOf, readLicenceResponse } from '../licence/licence-response.js';

/**
 * A licence answer for plain EME code (a `<video>` without Shaka): the bytes for
 * `MediaKeySession.update()` (JSON wrappers unwrapped, ClearKey's `sessionToken` taken out) and
 * the {@link LicenceAnswer} to put on the session's `licence$`. `answer` is absent when the answer
 * could not be read: `licence` is then the body as it came, for the CDM to judge.
 *
 * @example
 * ```ts
 * const licence$ = new Subject<LicenceAnswer>();
 * const session = ssmSession({ ...videoElementIntents(video, sourceOf), licence$ });
 * // in the key session's `message` handler:
 * const body = await (await fetch(licenseServer, { method: 'POST', headers, body: message })).arrayBuffer();
 * const { licence, answer } = emeLicence('channel-3', 'org.w3.clearkey', body);
 * if (answer) licence$.next(answer);
 * await keySession.update(licence);
 * ```
 */
export function emeLicence(
  src: string,
  keySystem: string,
  body: ArrayBuffer | ArrayBufferView,
): { licence: Uint8Array<ArrayBuffer>; answer?: LicenceAnswer } {
  const reading = readLicenceResponse(keySystem, bytesOf(body));
  // A copy on its own ArrayBuffer: what `MediaKeySession.update()` is typed to take.
  const licence = new Uint8Array(reading.licence);
  if (reading.status !== 'read') return { licence };
  return {
    licence,
    answer: {
      src,
      keySystem,
      ...(reading.sessionToken !== undefined && { sessionToken: reading.sessionToken }),
      ...(reading.drmEnforced !== undefined && { drmEnforced: reading.drmEnforced }),
    },
  };
}
