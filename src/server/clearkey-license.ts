import { verifyContentToken } from './content-token.js';
import type { SessionContext } from './session-calls.js';
import { sessionTokenOf } from './session-calls.js';
import {
  badRequest,
  SsmHttpError,
  SsmServerErrorCode,
  sessionTokenInvalid,
} from './ssm-http-error.js';

/** A ClearKey key: both values base64url, as in a W3C ClearKey licence. */
export interface ClearKey {
  kid: string;
  k: string;
}

/** The W3C ClearKey licence. */
export interface ClearKeyLicense {
  keys: Array<{ kty: 'oct'; kid: string; k: string }>;
  type: string;
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
 * Answers the configured keys of the content, narrowed to the requested `kids`.
 */
export function clearKeyLicense(context: SessionContext, clearKeys: Record<string, ClearKey[]>) {
  const { store, signing, clock, metrics } = context;
  return async (headerValue: string | undefined, body: unknown): Promise<ClearKeyLicense> => {
    const now = clock();
    const claims = await verifyContentToken(headerValue, signing, now);
    const { kids, type } = requestedKids(body);
    const sessionToken = headerValue?.includes(',') ? sessionTokenOf(headerValue) : undefined;
    if (sessionToken !== undefined) {
      const { session, expired } = await store.find(sessionToken, now);
      metrics.expiries += expired;
      if (!session) throw sessionTokenInvalid();
      if (session.accountId !== claims.accountId || session.contentId !== claims.contentId) {
        throw new SsmHttpError(
          403,
          SsmServerErrorCode.SessionTokenInvalid,
          'session token belongs to another account or content',
        );
      }
    } else if (claims.sessionControlEnabled) {
      throw sessionTokenInvalid('missing');
    }
    const configured = Object.hasOwn(clearKeys, claims.contentId)
      ? clearKeys[claims.contentId]
      : [];
    const wanted = (key: ClearKey) => kids.length === 0 || kids.includes(key.kid);
    return {
      keys: (configured ?? []).filter(wanted).map(({ kid, k }) => ({ kty: 'oct', kid, k })),
      type,
    };
  };
}
