import type { SessionContext } from './session-calls.js';
import { newSessionToken, tokenFingerprint } from './session-token.js';
import { SsmHttpError, SsmServerErrorCode, sessionTokenInvalid } from './ssm-http-error.js';
import type { StoredSession } from './store.js';

/** The call that renews: a session is renewed by heartbeats or, under DRM enforcement, by licences. */
export type RenewedBy = 'heartbeat' | 'licence';

/** What a renewal did: rotated the token, or nothing because the session is renewed the other way. */
export type RenewalOutcome =
  | { renewed: true; sessionToken: string; session: StoredSession }
  | { renewed: false; session: StoredSession };

/** Who a licence request says the session belongs to. */
export interface SessionOwner {
  accountId: string;
  contentId: string;
}

/**
 * Renews sessions: a heartbeat renews a heartbeat-mode session, a licence request an enforced
 * one. Either rotates the token exactly the same way (the old one is dead from then on) and
 * extends the expiry to two periods from now.
 */
export function sessionRenewal(context: SessionContext) {
  const { store, clock, heartbeatSeconds, metrics, log } = context;
  const lifetimeMs = heartbeatSeconds * 2 * 1000;

  /**
   * Renews the session of `token` if it is renewed `by` this kind of call. Throws 401/1003 when
   * `token` is not live, 403/1003 when the session is not `owner`'s.
   */
  return async function renew(
    token: string,
    by: RenewedBy,
    owner?: SessionOwner,
  ): Promise<RenewalOutcome> {
    const now = clock();
    const found = await store.find(token, now);
    metrics.expiries += found.expired;
    if (!found.session) throw sessionTokenInvalid();
    if (
      owner &&
      (found.session.accountId !== owner.accountId || found.session.contentId !== owner.contentId)
    ) {
      throw new SsmHttpError(
        403,
        SsmServerErrorCode.SessionTokenInvalid,
        'session token belongs to another account or content',
      );
    }
    if ((found.session.enforced === true) !== (by === 'licence')) {
      return { renewed: false, session: found.session };
    }
    const sessionToken = newSessionToken();
    // The session's mode never changes, so only the rotation itself has to be atomic: of two
    // renewals with one token, the store lets exactly one rotate it.
    const { session, expired } = await store.rotate(token, sessionToken, now + lifetimeMs, now);
    metrics.expiries += expired;
    if (!session) throw sessionTokenInvalid();
    if (by === 'heartbeat') metrics.heartbeats += 1;
    else metrics.licenceRenewals += 1;
    log?.debug(
      { sid: tokenFingerprint(token), next: tokenFingerprint(sessionToken), by },
      'session renewed',
    );
    return { renewed: true, sessionToken, session };
  };
}
