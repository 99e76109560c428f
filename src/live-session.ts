import {
  BehaviorSubject,
  catchError,
  defer,
  map,
  type Observable,
  of,
  retry,
  startWith,
  switchMap,
  takeWhile,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { SsmError } from './error.js';
import { heartbeatTicks } from './heartbeat-ticks.js';
import type { SessionContext } from './session-context.js';
import { ssmCall } from './ssm-call.js';
import { active, failed } from './states.js';
import type { SsmSource, SsmState } from './types.js';
import { isTransient, parseHeartbeat, type Renewal, type SessionGrant } from './wire.js';

type HeartbeatOutcome = { renewal: Renewal } | { error: SsmError };

/**
 * Keeps the token a teardown would use now: a heartbeat in flight may rotate it, so the
 * teardown waits for its answer; `undefined` when the session is dead and needs none.
 */
export type TokenAtEnd = (token$: Observable<string | undefined> | undefined) => void;

/**
 * A live session: `active` at once, then a heartbeat on every tick, each success re-emitting
 * `active` with the rotated token. A tick that meets a pending heartbeat is skipped (async) or
 * waits (sync). No response or a 5xx is retried up to `heartbeatRetries` times within the
 * period; a 4xx or running out of retries ends the session with a 6003 `error` state.
 *
 * ```
 * ticks:      -----t-----t-----t
 * heartbeat:       -r|   -r|   -4|
 * liveSession A----A'----A''---E|
 * ```
 */
export function liveSession(
  source: SsmSource,
  grant: SessionGrant,
  ctx: SessionContext,
  tokenAtEnd: TokenAtEnd,
): Observable<SsmState> {
  return defer(() => {
    let sessionToken = grant.sessionToken;
    const period$ = new BehaviorSubject(grant.heartbeatSeconds);
    tokenAtEnd(of(sessionToken));

    const renewOnce = (): Observable<HeartbeatOutcome> =>
      defer(() => {
        const sent = sessionToken;
        const outcome$ = ctx.lane.detach(
          ssmCall(ctx.transport, 'heartbeat', source, sent).pipe(
            map((response) =>
              response instanceof SsmError ? { error: response } : parseHeartbeat(response, source),
            ),
          ),
        );
        // A teardown waiting for this answer uses the rotated token; after a refusal (4xx) the
        // session is dead and needs none, as a fatal heartbeat error would have decided.
        tokenAtEnd(
          outcome$.pipe(
            map((outcome) => {
              if ('renewal' in outcome) return outcome.renewal.sessionToken;
              return isTransient(outcome.error) ? sent : undefined;
            }),
          ),
        );
        return outcome$;
      });

    const renew = (): Observable<HeartbeatOutcome> =>
      renewOnce().pipe(
        switchMap((outcome) =>
          'error' in outcome && isTransient(outcome.error)
            ? throwError(() => outcome.error)
            : of(outcome),
        ),
        retry({
          count: ctx.heartbeatRetries,
          // Spread the retries so that all of them fit in the period.
          delay: () => timer((period$.value * 1000) / (ctx.heartbeatRetries + 1), ctx.scheduler),
        }),
        catchError((error: SsmError) => of({ error })),
      );

    return heartbeatTicks(period$, ctx.appState$, ctx.scheduler).pipe(
      ctx.mode.ticks(renew),
      tap((outcome) => {
        if ('error' in outcome) {
          tokenAtEnd(undefined);
          return;
        }
        sessionToken = outcome.renewal.sessionToken;
        if (outcome.renewal.heartbeatSeconds !== undefined) {
          period$.next(outcome.renewal.heartbeatSeconds);
        }
      }),
      takeWhile((outcome) => 'renewal' in outcome, true),
      map((outcome) =>
        'error' in outcome
          ? failed(source, outcome.error)
          : active(source, outcome.renewal.sessionToken, period$.value),
      ),
      startWith(active(source, grant.sessionToken, grant.heartbeatSeconds)),
    );
  });
}
