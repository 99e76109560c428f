import { debugLog } from '../http/logger.js';
import {
  SsmHttpError,
  SsmServerErrorCode,
  sessionEnded,
  sessionTokenInvalid,
} from '../http/ssm-http-error.js';
import type { RenewalTerms, StoredSession } from '../stores/store.js';
import { renewedSessionToken, tokenFingerprint } from '../tokens/session-token.js';
import type { SessionContext } from './session-context.js';

/** What a renewal did: rotated the token, or nothing because the session is renewed the other way. */
export type RenewalOutcome =
  | { renewed: true; sessionToken: string; session: StoredSession }
  | { renewed: false; session: StoredSession };

/**
 * Renews sessions: a heartbeat renews a heartbeat-mode session, a licence request an enforced
 * one. A heartbeat rotates the token (the old one is dead from then on, but for a repeat of this
 * very renewal within one period, which gets the same answer), and so does a licence renewal
 * under the `rotate` policy; under `stable` a licence renewal keeps the token. Either extends the
 * expiry to two periods from now. One store call, so it is atomic: of two rotating renewals with
 * one token, exactly one rotates it; two stable ones both extend the one session.
 */
export function sessionRenewal(context: SessionContext) {
  const { store, clock, heartbeatSeconds, metrics, log } = context;
  const periodMs = heartbeatSeconds * 1000;
  const stableLicenceTokens = context.licenceTokens === 'stable';

  /**
   * Renews the session of `token` if it is renewed `by` this kind of call. Throws 401/1003 when
   * `token` is not live, 403/1003 when the session is not `owner`'s, 403/1008 when it was
   * stopped from another device or evicted for a newer one.
   */
  return async function renew(
    token: string,
    by: RenewalTerms['by'],
    owner?: RenewalTerms['owner'],
  ): Promise<RenewalOutcome> {
    const now = clock();
    const sessionToken =
      by === 'licence' && stableLicenceTokens ? token : renewedSessionToken(token);
    const terms: RenewalTerms = owner
      ? { by, replayMs: periodMs, owner }
      : { by, replayMs: periodMs };
    const { session, expired, replayed, refused, ended } = await store.rotate(
      token,
      sessionToken,
      now + 2 * periodMs,
      now,
      terms,
    );
    metrics.expiries += expired;
    if (ended) throw sessionEnded(ended);
    if (!session) throw sessionTokenInvalid();
    if (refused === 'owner') {
      throw new SsmHttpError(
        403,
        SsmServerErrorCode.SessionTokenInvalid,
        'session token belongs to another account or content',
      );
    }
    if (refused === 'mode') return { renewed: false, session };
    if (replayed) {
      metrics.replays += 1;
      debugLog(log)?.debug({ sid: tokenFingerprint(token), by }, 'renewal repeated: same answer');
      return { renewed: true, sessionToken: replayed.sessionToken, session };
    }
    if (by === 'heartbeat') metrics.heartbeats += 1;
    else metrics.licenceRenewals += 1;
    debugLog(log)?.debug(
      { sid: tokenFingerprint(token), next: tokenFingerprint(sessionToken), by },
      'session renewed',
    );
    return { renewed: true, sessionToken, session };
  };
}
