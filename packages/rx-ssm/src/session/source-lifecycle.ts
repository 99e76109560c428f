import { merge, of, startWith } from '../creation.js';
import { SsmError } from '../error.js';
import {
  defer,
  exhaustMap,
  filter,
  finalize,
  map,
  NEVER,
  type Observable,
  switchMap,
  take,
  timer,
} from '../rx.js';
import type { SsmSource, SsmState } from '../types.js';
import { liveSession } from './live-session.js';
import type { SessionContext } from './session-context.js';
import { setupSession } from './setup.js';
import { awaitingToken, failed, settingUp } from './states.js';
import { teardownSession } from './teardown.js';

/**
 * Everything that happens for one wanted source, until the source is no longer wanted
 * (unsubscribe): wait for its content token, set up, heartbeat, and tear down.
 *
 * ```
 * updates$:   a------a'(token)
 * states:     W------S----A----A----A
 * ```
 * `W` awaiting-token, `S` setting-up, `A` active. No token within `tokenTimeoutMs` is a setup
 * error; a token that still comes later starts the setup.
 */
export function sourceLifecycle(
  source: SsmSource,
  updates$: Observable<SsmSource>,
  ctx: SessionContext,
): Observable<SsmState> {
  if (source.token) return sessionRuns(source, ctx);
  const waiting$ = timer(ctx.tokenTimeoutMs, ctx.scheduler).pipe(
    map(() =>
      failed(
        source,
        new SsmError({
          kind: 'setup',
          message: `no content token for "${source.src}" within ${ctx.tokenTimeoutMs} ms`,
          source,
        }),
      ),
    ),
    startWith(awaitingToken(source)),
  );
  return merge(
    // Waiting until the first update with a token, then its session runs. Not `first`: a
    // source$ that completes before the token came must end in the token timeout's setup error,
    // as the contract says of every SSM failure, never in an EmptyError.
    updates$.pipe(
      filter((update) => !!update.token),
      take(1),
      startWith(undefined),
      switchMap((update) => (update ? sessionRuns(update, ctx) : waiting$)),
    ),
    // Held open as every other lifecycle is: a source$ that completed ends nothing by itself.
    NEVER,
  );
}

/**
 * Session runs for one source: one at once, and after a run ends in an error, the next `play$`
 * starts another. A `play$` while a run is live does nothing.
 */
function sessionRuns(source: SsmSource, ctx: SessionContext): Observable<SsmState> {
  return ctx.play$.pipe(
    startWith(undefined),
    exhaustMap(() => sessionRun(source, ctx)),
  );
}

/**
 * One session: `setting-up`, then live until unsubscribed or dead. On unsubscribe the session
 * is torn down with its newest token, even when its setup or a heartbeat is still in flight:
 * the teardown waits for that answer, so nothing is orphaned on the server.
 *
 * A session found expired on its return from the background (with `reestablishAfterBackground`)
 * is followed at once by a new run for the same source, shown as `setting-up` with
 * `reestablishing`; its error reaches `errors$` as not fatal.
 *
 * ```
 * appState$:  a---b------a
 * requests:   S----------H(401)S
 * states:     sA---------------s(re)A'
 * ```
 */
function sessionRun(
  source: SsmSource,
  ctx: SessionContext,
  reestablishing?: SsmError,
): Observable<SsmState> {
  return defer(() => {
    let abandoned = false;
    let tokenAtEnd$: Observable<string | undefined> | undefined;
    const setup$ = ctx.lane.queue(setupSession(source, ctx, () => abandoned));
    tokenAtEnd$ = setup$.pipe(
      map((outcome) => ('error' in outcome ? undefined : outcome.sessionToken)),
    );
    return setup$.pipe(
      switchMap((outcome) => {
        if ('error' in outcome) {
          tokenAtEnd$ = undefined;
          return of(failed(source, outcome.error));
        }
        return liveSession(source, outcome, ctx, (token$) => {
          tokenAtEnd$ = token$;
        }).pipe(
          switchMap((state) => {
            if (state.status !== 'reestablish') return of(state);
            const error = notFatal(state.error);
            ctx.errors.next(error);
            return sessionRun(source, ctx, error);
          }),
        );
      }),
      startWith(settingUp(source, reestablishing)),
      finalize(() => {
        abandoned = true;
        if (tokenAtEnd$) ctx.lane.queueTeardown(source, teardownSession(source, tokenAtEnd$, ctx));
      }),
    );
  });
}

/** The error of a session that is being re-established: it ended no session for the app. */
function notFatal(error: SsmError): SsmError {
  return new SsmError({
    // Its own fields: kind, httpStatus, serverCode, serverMessage, source (not its message).
    ...error,
    message: `${error.message}; the session expired in the background and is set up again`,
    fatal: false,
    cause: error,
  });
}
