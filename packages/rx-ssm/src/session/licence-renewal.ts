import { of } from '../creation.js';
import { SsmError } from '../error.js';
import {
  catchError,
  defer,
  EMPTY,
  ignoreElements,
  type Observable,
  retry,
  take,
  takeUntil,
  throwIfEmpty,
  timer,
} from '../rx.js';
import type { LicenceAnswer, SsmRenewal, SsmSource } from '../types.js';
import type { SessionContext } from './session-context.js';

/**
 * One renewal in licence mode: asks the player to renew the licence (`renewals$`), and, when
 * licence answers carry the next token, waits for one. None within the period is a heartbeat
 * failure (6003), with the retries of a heartbeat: the player is asked again up to
 * `heartbeatRetries` times, spread over the period.
 *
 * ```
 * ask:             r-----r-----r
 * tokenAnswers$:   ----------------
 * licenceRenewal:  ------------------(e|)     (heartbeatRetries 2, a try every period / 3)
 * ```
 * A Widevine session (its licence answers carry no token) is only asked: its CDM renews on its
 * own cadence, through `renewWidevine`.
 */
export function licenceRenewal(
  source: SsmSource,
  renewal: () => SsmRenewal,
  tokenAnswers$: Observable<LicenceAnswer> | undefined,
  periodSeconds: number,
  ctx: Pick<SessionContext, 'renewals' | 'heartbeatRetries' | 'scheduler'>,
): Observable<{ error: SsmError }> {
  const slice = (periodSeconds * 1000) / (ctx.heartbeatRetries + 1);
  return defer(() => {
    ctx.renewals.next(renewal());
    // None within the slice, or answers that end before one came: a failed try. A Widevine
    // session is only asked.
    return tokenAnswers$
      ? tokenAnswers$.pipe(take(1), takeUntil(timer(slice, ctx.scheduler)), throwIfEmpty())
      : EMPTY;
  }).pipe(
    retry(ctx.heartbeatRetries),
    ignoreElements(),
    catchError(() =>
      of({
        error: new SsmError({
          kind: 'heartbeat',
          message: `no licence answer with the next session token within ${periodSeconds} s`,
          source,
        }),
      }),
    ),
  );
}
