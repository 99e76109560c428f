import { badRequest } from '../http/ssm-http-error.js';
import { type ClearKey, clearKeyLicenseOf } from './clearkey-license.js';
import { type SessionContext, sessionTokenOf } from './session-calls.js';
import { sessionRenewal } from './session-renewal.js';

/** The answer of `renewal-license-wv`. */
export interface WidevineRenewal {
  /** The session's next token. */
  sessionToken: string;
  /** Base64 of the UTF-8 JSON of the session content's ClearKey licence. */
  license: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The `challenge` of a renewal request body; throws 400/1004 unless it is non-empty base64. */
function challengeOf(body: unknown): string {
  const challenge =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>).challenge
      : undefined;
  if (typeof challenge !== 'string' || challenge === '' || !BASE64.test(challenge)) {
    throw badRequest('renewal request has no base64 "challenge"');
  }
  return challenge;
}

/**
 * `POST {base}/renewal-license-wv`: where a player sends the Widevine CDM's `license-renewal`
 * messages for a session in DRM enforcement. The token header carries the current session token
 * (or `contentToken,sessionToken`, whose last part is used). It renews an enforced session like
 * a heartbeat and answers the next token with the content's keys; a heartbeat-mode session gets
 * the keys and its own token back, unchanged. The reference server has no
 * Widevine licence server: it checks that the challenge is base64 and answers the ClearKey
 * licence JSON, base64-encoded, in its place.
 */
export function widevineRenewal(context: SessionContext, clearKeys: Record<string, ClearKey[]>) {
  const renew = sessionRenewal(context);
  return async (headerValue: string | undefined, body: unknown): Promise<WidevineRenewal> => {
    const token = sessionTokenOf(headerValue);
    challengeOf(body);
    const renewal = await renew(token, 'licence');
    // Clients send every CDM renewal here, whatever the mode: a heartbeat-mode session gets its
    // licence and is left as it was (its token too), its heartbeats still keep it alive.
    const licence = clearKeyLicenseOf(clearKeys, renewal.session.contentId);
    return {
      sessionToken: renewal.renewed ? renewal.sessionToken : token,
      license: Buffer.from(JSON.stringify(licence), 'utf8').toString('base64'),
    };
  };
}
