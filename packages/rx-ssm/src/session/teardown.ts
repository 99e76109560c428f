import { SsmError } from '../error.js';
import { ignoreElements, map, type Observable, switchMap, tap } from '../rx.js';
import type { SsmSource } from '../types.js';
import { parseDone } from '../wire/wire.js';
import type { SessionContext } from './session-context.js';
import { ssmCall } from './ssm-call.js';

type TeardownContext = Pick<SessionContext, 'transport' | 'errors'>;

/**
 * Tears down the session whose newest token `token$` resolves to, and nothing when it resolves
 * to none (the setup never happened or failed, or the session already died).
 *
 * ```
 * token$:    ----t|
 * request:       ----r|
 * teardown:  --------|
 * ```
 */
export function teardownSession(
  source: SsmSource,
  token$: Observable<string | undefined>,
  ctx: TeardownContext,
): Observable<never> {
  // Every token$ (a replayed answer, or of(token)) gives at most one token.
  return token$.pipe(
    switchMap((token) => (token ? sendTeardown(source, token, ctx) : [])),
    ignoreElements(),
  );
}

/**
 * One teardown request. A failure goes to `errors$` as a non-fatal 6002 and is never thrown:
 * the session that follows lives on, and the server expires the slot.
 */
export function sendTeardown(
  source: SsmSource,
  sessionToken: string,
  ctx: TeardownContext,
): Observable<SsmError | undefined> {
  return ssmCall(ctx.transport, 'teardown', source, sessionToken).pipe(
    map((response) =>
      response instanceof SsmError ? response : parseDone('teardown', response, source),
    ),
    tap((error) => error && ctx.errors.next(error)),
  );
}
