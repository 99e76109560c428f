import { of } from '../creation.js';
import { SsmError } from '../error.js';
import { defer, EMPTY, map, type Observable, switchMap } from '../rx.js';
import type { SsmSource } from '../types.js';
import { isTransient, parseSetup, type SessionGrant } from '../wire/wire.js';
import type { SessionContext } from './session-context.js';
import { ssmCall } from './ssm-call.js';
import { sendTeardown } from './teardown.js';

/** How a setup ended. */
export type SetupOutcome = SessionGrant | { error: SsmError };

/**
 * Sets up a session for `source` (which carries its content token). Skipped, with no outcome,
 * if `abandoned()` by the time its turn comes.
 *
 * Limit-aware: refused with 1007 while a teardown of an earlier session of this pipeline was in
 * flight, it is tried once more right after that teardown is answered, since the refusal may
 * only mean the server saw the setup first.
 *
 * ```
 * teardown A:   --------r
 * setup B:      ----1007  ---g
 * setupSession: -------------g
 * ```
 */
export function setupSession(
  source: SsmSource,
  ctx: SessionContext,
  abandoned: () => boolean,
): Observable<SetupOutcome> {
  // Each try is skipped, with no outcome, if the session was abandoned by its turn.
  const setup$ = defer(() => (abandoned() ? EMPTY : setupOnce(source, ctx)));
  return defer(() => {
    const earlierTeardowns = ctx.lane.pendingTeardowns();
    return setup$.pipe(
      switchMap((outcome) =>
        'error' in outcome && outcome.error.isSessionLimit && earlierTeardowns.length > 0
          ? ctx.lane.answered(earlierTeardowns).pipe(switchMap(() => setup$))
          : of(outcome),
      ),
    );
  });
}

/**
 * One setup. A 2xx that broke the protocol but named a session gets it torn down. With an
 * idempotency key, a setup that got no answer or a 5xx is sent once more with the same key: a
 * server that honours it answers the first session again instead of taking a second slot.
 */
function setupOnce(source: SsmSource, ctx: SessionContext): Observable<SetupOutcome> {
  const idempotencyKey = ctx.setupIdempotencyKey?.();
  const send = () =>
    ssmCall(ctx.transport, 'setup', source, source.token ?? '', {
      idempotencyKey,
      device: ctx.device,
    });
  return send().pipe(
    switchMap((response) =>
      idempotencyKey !== undefined && response instanceof SsmError && isTransient(response)
        ? send()
        : of(response),
    ),
    switchMap((response) => {
      if (response instanceof SsmError) return of({ error: response });
      const parsed = parseSetup(response, source);
      return 'orphan' in parsed && parsed.orphan
        ? sendTeardown(source, parsed.orphan, ctx).pipe(map(() => parsed))
        : of(parsed);
    }),
  );
}
