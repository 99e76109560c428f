import { debugLog } from '../http/logger.js';
import {
  badRequest,
  renewalModeMismatch,
  type SsmHttpError,
  sessionLimit,
  sessionTokenInvalid,
} from '../http/ssm-http-error.js';
import type { HeldSession, LimitRule } from '../stores/store.js';
import { type ContentClaims, contentTokenVerifier } from '../tokens/content-token.js';
import {
  newSessionId,
  newSessionToken,
  routeOfAccount,
  tokenFingerprint,
} from '../tokens/session-token.js';
import type { LicenceTokenPolicy, SessionContext } from './session-context.js';
import { evictedBody, heldSessionBody, holderOf, setupDeviceOf } from './session-device.js';
import { sessionRenewal } from './session-renewal.js';

export type { LicenceTokenPolicy, SessionContext };

/** What a setup answers: the session, its period, its public id, and whom it evicted, if anyone. */
export interface SetupAnswer {
  sessionToken: string;
  heartbeat: number;
  sessionId?: string;
  evicted?: ReturnType<typeof evictedBody>[];
}

/** Session tokens are 45 base64url characters (a route and 32 random bytes); anything far off is refused without a lookup. */
const SESSION_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The session token a header value carries: the value itself, or its last part when it is
 * `contentToken,sessionToken`. Throws 401/1003 when there is none.
 */
export function sessionTokenOf(headerValue: string | undefined): string {
  const token = headerValue?.slice(headerValue.lastIndexOf(',') + 1).trim();
  if (!token) throw sessionTokenInvalid('missing');
  if (!SESSION_TOKEN.test(token)) throw sessionTokenInvalid('malformed');
  return token;
}

/** An `Idempotency-Key`: 1 to 128 printable ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,128}$/;

/**
 * The idempotency key of a setup, if it sent one. Throws 400/1004 for a key that is empty, too
 * long or not printable.
 */
export function idempotencyKeyOf(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(headerValue)) {
    throw badRequest('Idempotency-Key must be 1 to 128 printable ASCII characters');
  }
  return headerValue;
}

/** The 403/1007 of a refused admission: the rule, its limit and the sessions that hold it. */
function limitRefusal(
  rule: LimitRule,
  holders: readonly HeldSession[],
  claims: ContentClaims,
  deviceHash: string | undefined,
): SsmHttpError {
  const limit = rule === 'maxSessions' ? claims.maxSessions : (claims.limits[rule] ?? 0);
  const sessions = holders.map((held) => heldSessionBody(held, deviceHash));
  return sessionLimit(rule, limit, sessions);
}

/** setup, heartbeat and teardown: each takes the token header's value and answers the body. */
export function sessionCalls(context: SessionContext) {
  const { store, signing, clock, heartbeatSeconds, metrics, log } = context;
  // The first expiry allows for the first licence; every renewal then extends by two periods.
  const lifetimeMs = Math.max(heartbeatSeconds * 2 * 1000, context.firstExpiryFloorMs ?? 0);
  const renew = sessionRenewal(context);
  const verify = contentTokenVerifier(signing);

  return {
    /**
     * Admits a session: the answer, and the token of the session this call admitted (none for
     * a repeat). A setup repeated with the same idempotency key within one period, while the
     * first session is live and not yet renewed, gets the first answer again and takes no
     * second slot; a refused setup is not remembered, so its retry is evaluated afresh.
     */
    async setup(
      headerValue: string | undefined,
      idempotencyKey?: string,
      body: unknown = {},
    ): Promise<{ answer: SetupAnswer; admitted?: string }> {
      const now = clock();
      const claims = await verify(headerValue, now);
      const device = setupDeviceOf(body);
      const sessionToken = newSessionToken(routeOfAccount(claims.accountId));
      const sessionId = newSessionId();
      const holder = holderOf(claims.accountId, sessionId, device, claims.contentGroup);
      const result = await store.admit(
        {
          sessionToken,
          maxSessions: claims.maxSessions,
          limits: claims.limits,
          holder,
          ...(idempotencyKey !== undefined && {
            idempotencyKey,
            replayMs: heartbeatSeconds * 1000,
          }),
          session: {
            accountId: claims.accountId,
            contentId: claims.contentId,
            counted: claims.sessionControlEnabled,
            expiresAt: now + lifetimeMs,
            ...(claims.drmEnforced && { enforced: true }),
          },
        },
        now,
      );
      const { admitted, expired, replayed, evicted = [] } = result;
      metrics.expiries += expired;
      if (!admitted) {
        const rule = result.refusedBy ?? 'maxSessions';
        metrics.limitRefusals.set(rule, (metrics.limitRefusals.get(rule) ?? 0) + 1);
        debugLog(log)?.debug({ accountId: claims.accountId, rule }, 'setup refused at a limit');
        throw limitRefusal(rule, result.holders ?? [], claims, holder.deviceHash);
      }
      if (replayed) {
        metrics.replays += 1;
        debugLog(log)?.debug(
          { sid: tokenFingerprint(replayed.sessionToken) },
          'setup repeated: same answer',
        );
        return {
          answer: {
            sessionToken: replayed.sessionToken,
            heartbeat: heartbeatSeconds,
            ...(replayed.sessionId && { sessionId: replayed.sessionId }),
          },
        };
      }
      metrics.setups += 1;
      metrics.evictions += evicted.length;
      debugLog(log)?.debug(
        {
          accountId: claims.accountId,
          contentId: claims.contentId,
          sid: tokenFingerprint(sessionToken),
        },
        'session set up',
      );
      return {
        answer: {
          sessionToken,
          heartbeat: heartbeatSeconds,
          sessionId,
          ...(evicted.length > 0 && { evicted: evicted.map(evictedBody) }),
        },
        admitted: sessionToken,
      };
    },

    /**
     * Ends a session whose setup answer could not be sent (its client was gone): nobody holds
     * its token, and its slot would otherwise stay taken until it expires.
     */
    async undelivered(sessionToken: string) {
      const { expired } = await store.remove(sessionToken, clock());
      metrics.expiries += expired;
      metrics.undeliveredSetups += 1;
      debugLog(log)?.debug(
        { sid: tokenFingerprint(sessionToken) },
        'setup answer undeliverable: session torn down',
      );
    },

    /** Rotates a heartbeat-mode session; 409/1006 for one renewed by its licence. */
    async heartbeat(headerValue: string | undefined) {
      const renewal = await renew(sessionTokenOf(headerValue), 'heartbeat');
      if (!renewal.renewed) throw renewalModeMismatch('licence');
      return { sessionToken: renewal.sessionToken, heartbeat: heartbeatSeconds };
    },

    async teardown(headerValue: string | undefined) {
      const token = sessionTokenOf(headerValue);
      const { session, expired, ended } = await store.remove(token, clock());
      metrics.expiries += expired;
      // A session stopped or evicted is already gone: its teardown has nothing left to do.
      if (ended) return {};
      if (!session) throw sessionTokenInvalid();
      metrics.teardowns += 1;
      debugLog(log)?.debug({ sid: tokenFingerprint(token) }, 'session torn down');
      return {};
    },
  };
}
