import { badRequest, sessionTokenInvalid } from '../http/ssm-http-error.js';
import { contentTokenVerifier } from '../tokens/content-token.js';
import type { SessionContext } from './session-calls.js';
import { sessionTokenOf } from './session-calls.js';
import { sessionRenewal } from './session-renewal.js';

/** A ClearKey key: both values base64url, as in a W3C ClearKey licence. */
export interface ClearKey {
  kid: string;
  k: string;
}

/** The W3C ClearKey licence. */
export interface ClearKeyLicense {
  keys: Array<{ kty: 'oct'; kid: string; k: string }>;
  type: string;
  /** The session's next token, when the licence request renewed it (DRM enforcement). */
  sessionToken?: string;
}

/** The licence of `contentId`'s configured keys, narrowed to `kids` unless that is empty. */
export function clearKeyLicenseOf(
  clearKeys: Record<string, ClearKey[]>,
  contentId: string,
  kids: string[] = [],
  type = 'temporary',
): ClearKeyLicense {
  const configured = Object.hasOwn(clearKeys, contentId) ? clearKeys[contentId] : [];
  const wanted = (key: ClearKey) => kids.length === 0 || kids.includes(key.kid);
  return {
    keys: (configured ?? []).filter(wanted).map(({ kid, k }) => ({ kty: 'oct', kid, k })),
    type,
  };
}

/**
 * True when a header value is one session token and nothing else: no comma, and not a compact
 * JWS (a session token has no dots).
 */
function isSessionTokenAlone(headerValue: string | undefined): headerValue is string {
  const value = headerValue?.trim();
  return value !== undefined && value !== '' && !value.includes(',') && !value.includes('.');
}

/** The `kids` of a W3C ClearKey licence request; throws 400/1004 for anything else. */
function requestedKids(body: unknown): { kids: string[]; type: string } {
  const request =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const { kids, type = 'temporary' } = request;
  if (!Array.isArray(kids) || !kids.every((kid) => typeof kid === 'string')) {
    throw badRequest('licence request has no "kids" array of strings');
  }
  if (typeof type !== 'string') throw badRequest('licence request "type" is not a string');
  return { kids, type };
}

/**
 * The ClearKey licence endpoint: the header carries `contentToken,sessionToken`; the session must
 * be a live session of the token's account and content (401/1003 when it is not live, 403/1003
 * when it is someone else's). Content whose token has session control off needs no session.
 * Answers the configured keys of the content, narrowed to the requested `kids`. For a session in
 * DRM enforcement the licence request is its renewal: the session is extended and the answer
 * carries its token as `sessionToken` (a new one under the `rotate` policy). A renewal
 * (`renewing`, the request's `?renew=true`) may carry the session token alone.
 */
export function clearKeyLicense(context: SessionContext, clearKeys: Record<string, ClearKey[]>) {
  const { signing, clock } = context;
  const verify = contentTokenVerifier(signing);
  const renew = sessionRenewal(context);

  /**
   * A renewal (`?renew=true`) that carries the session token alone, as PlayReady and FairPlay
   * clients send it: the live session is the credential, its content says which keys.
   */
  async function renewalBySessionToken(headerValue: string, body: unknown) {
    const token = sessionTokenOf(headerValue);
    const { kids, type } = requestedKids(body);
    const renewal = await renew(token, 'licence');
    const licence = clearKeyLicenseOf(clearKeys, renewal.session.contentId, kids, type);
    return renewal.renewed ? { ...licence, sessionToken: renewal.sessionToken } : licence;
  }
  return async (
    headerValue: string | undefined,
    body: unknown,
    renewing = false,
  ): Promise<ClearKeyLicense> => {
    if (renewing && isSessionTokenAlone(headerValue)) {
      return renewalBySessionToken(headerValue, body);
    }
    const claims = await verify(headerValue, clock());
    const { kids, type } = requestedKids(body);
    const licence = clearKeyLicenseOf(clearKeys, claims.contentId, kids, type);
    const sessionToken = headerValue?.includes(',') ? sessionTokenOf(headerValue) : undefined;
    if (sessionToken === undefined) {
      if (claims.sessionControlEnabled) throw sessionTokenInvalid('missing');
      return licence;
    }
    // A heartbeat-mode session is only looked up: its licence requests renew nothing.
    const renewal = await renew(sessionToken, 'licence', claims);
    return renewal.renewed ? { ...licence, sessionToken: renewal.sessionToken } : licence;
  };
}
