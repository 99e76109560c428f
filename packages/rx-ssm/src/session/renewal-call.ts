import { of } from '../creation.js';
import type { SsmError } from '../error.js';
import { catchError, map, type Observable, retry, timer } from '../rx.js';
import { isTransient } from '../wire/wire.js';
import type { SessionContext } from './session-context.js';

/** How one renewal call ended: the server's answer, or the error. */
export type RenewalOutcome<T> = T | { error: SsmError };

/**
 * A renewal call (a heartbeat, or a Widevine renewal through SSM) with the retries of a
 * heartbeat: no response or a 5xx is tried again, with the same token, up to `heartbeatRetries`
 * times spread over the period, so all of them fit in it; a 4xx is final at once.
 *
 * ```
 * attempt:        --5|  --5|  --r|
 * renewalCall:    --------------r|      (heartbeatRetries 2, period 6: a retry every 2)
 * ```
 *
 * @param attempt One attempt; subscribed again for each retry.
 * @param periodSeconds The period now, in seconds.
 */
export function renewalCall<T extends object>(
  attempt: Observable<RenewalOutcome<T>>,
  periodSeconds: () => number,
  ctx: Pick<SessionContext, 'heartbeatRetries' | 'scheduler'>,
): Observable<RenewalOutcome<T>> {
  return attempt.pipe(
    map((outcome) => {
      // Thrown to be retried; a 4xx is an outcome like an answer.
      if ('error' in outcome && isTransient(outcome.error)) throw outcome.error;
      return outcome;
    }),
    retry({
      count: ctx.heartbeatRetries,
      delay: () => timer((periodSeconds() * 1000) / (ctx.heartbeatRetries + 1), ctx.scheduler),
    }),
    catchError((error: SsmError) => of({ error })),
  );
}
