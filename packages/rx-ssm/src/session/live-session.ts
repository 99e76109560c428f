import { merge, of, startWith } from '../creation.js';
import { SsmError, STOPPED_REMOTELY_SERVER_CODE } from '../error.js';
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  filter,
  finalize,
  map,
  mergeMap,
  type Observable,
  ReplaySubject,
  Subject,
  share,
  take,
  takeUntil,
  takeWhile,
  timer,
} from '../rx.js';
import type { LicenceAnswer, SsmRenewalMode, SsmResponse, SsmSource, SsmState } from '../types.js';
import {
  authorizationOf,
  clampPeriod,
  isRenewedByLicence,
  isSendable,
  isTransient,
  parseHeartbeat,
  parseWidevineRenewal,
  type RequestExtras,
  type SessionGrant,
  type WidevineRenewal,
} from '../wire/wire.js';
import { heartbeatTicks } from './heartbeat-ticks.js';
import { licenceRenewal } from './licence-renewal.js';
import { type RenewalOutcome, renewalCall } from './renewal-call.js';
import { requestLane } from './request-lane.js';
import type { SessionContext, WidevineJob } from './session-context.js';
import { ssmCall } from './ssm-call.js';
import { active, failed } from './states.js';

/**
 * Keeps the token a teardown would use now: a renewal in flight may rotate it, so the teardown
 * waits for its answer; `undefined` when the session is dead and needs none.
 */
export type TokenAtEnd = (token$: Observable<string | undefined> | undefined) => void;

/** What changed a live session. */
type Update =
  | {
      sessionToken?: string;
      heartbeatSeconds?: number;
      renewal?: SsmRenewalMode;
      /** Licence answers carry the next token: each licence renewal has a deadline. */
      tokensDue?: boolean;
    }
  | {
      error: SsmError;
      /**
       * The catch-up renewal after the background found the session gone: refused (heartbeat
       * mode) or no licence answer (licence mode), rather than a network that is still down.
       */
      expired?: boolean;
    };

/**
 * A session that died on its catch-up renewal after the background (it expired meanwhile), when
 * the app asked for re-establishment: the lifecycle sets up a new one for the same source.
 */
export interface Reestablish {
  status: 'reestablish';
  error: SsmError;
}

/**
 * A live session: `active` at once, then kept alive on every tick of one timer, until it dies.
 *
 * - Heartbeat mode (`renewal: 'heartbeat'`): a heartbeat call per tick, each success re-emitting
 *   `active` with the rotated token. A tick that meets a pending heartbeat is skipped (async) or
 *   waits (sync). No response or a 5xx is retried within the period; a 4xx or running out of
 *   retries ends the session with a 6003 `error` state.
 * - A licence answer for this source that carries a token, or a Widevine answer with
 *   `drmEnforced`, switches it to licence mode (`renewal: 'licence'`), as does a heartbeat
 *   answered "renewed by licence" (1006): from then on each tick asks the player to renew the
 *   licence (`renewals$`), and each licence answer's token becomes the newest one.
 * - Widevine renewals (`renewWidevine`) run one at a time on the session's own calls, beside the
 *   heartbeats, and adopt the token they bring.
 *
 * ```
 * ticks:      -----t-----t-----------t--------t
 * heartbeat:       -r|   -r|
 * licence$:                  L(T)         L(T')
 * renewals$:                         R
 * liveSession A----A'----A''-A(T,l)-------A(T',l)
 * ```
 */
export function liveSession(
  source: SsmSource,
  grant: SessionGrant,
  ctx: SessionContext,
  tokenAtEnd: TokenAtEnd,
): Observable<SsmState | Reestablish> {
  return defer(() => {
    let sessionToken = grant.sessionToken;
    let renewal: SsmRenewalMode = 'heartbeat';
    let tokensDue = false;
    let period = usablePeriod(grant.heartbeatSeconds, source, ctx);
    // The period for the ticks: the current one on subscribe, then each change.
    const period$ = new ReplaySubject<number>(1);
    period$.next(period);
    const toLicenceMode = new Subject<void>();
    // This session's renewal calls, one at a time: each uses the token the one before brought,
    // and each runs to its answer even if the session ends meanwhile (a teardown waits for it).
    // Until one does, the teardown uses the grant's token, which the lifecycle reads from the
    // setup's answer.
    const calls = requestLane(concatMap);

    /** One renewal call with the current token; a teardown meanwhile waits for its answer. */
    const sendRenewal = <T extends { sessionToken: string }>(
      call: 'heartbeat' | 'renewal',
      parse: (response: SsmResponse, source: SsmSource, sent: string) => RenewalOutcome<T>,
      extras?: RequestExtras,
    ): Observable<RenewalOutcome<T>> =>
      defer(() => {
        const sent = sessionToken;
        // One call, replayed to the teardown that waits for it: the calls lane holds it to its end.
        const outcome$ = ssmCall(ctx.transport, call, source, sent, extras).pipe(
          map((response) =>
            response instanceof SsmError ? { error: response } : parse(response, source, sent),
          ),
          share({ connector: () => new ReplaySubject(), resetOnComplete: false }),
        );
        // After a refusal (4xx) the session is dead and needs no teardown, but for a 1008.
        tokenAtEnd(
          outcome$.pipe(
            map((outcome) => {
              if (!('error' in outcome)) return outcome.sessionToken;
              // A session stopped remotely still gets its teardown, best effort: nothing is left.
              return isTransient(outcome.error) || outcome.error.isStoppedRemotely
                ? sent
                : undefined;
            }),
          ),
        );
        return outcome$;
      });

    const heartbeat = (): Observable<Update> =>
      renewalCall(
        defer(() => calls.queue(sendRenewal('heartbeat', parseHeartbeat))),
        () => period,
        ctx,
      ).pipe(
        // A licence answer that switched the session meanwhile has the newer token.
        takeUntil(toLicenceMode),
        // Refused as renewed by its licence (1006): ask the player at once.
        mergeMap(
          (outcome): Observable<Update> =>
            'error' in outcome && isRenewedByLicence(outcome.error)
              ? defer(renewByLicence).pipe(
                  startWith<Update>({ renewal: 'licence', tokensDue: true }),
                )
              : of(outcome),
        ),
      );

    const renewByLicence = (): Observable<Update> =>
      licenceRenewal(
        source,
        () => {
          // The licence server may rotate the token as it answers: a teardown meanwhile waits
          // for that answer, as it waits for a heartbeat in flight, and uses the token it brings.
          if (tokensDue) tokenAtEnd(licenceToken$(sessionToken));
          return {
            source,
            sessionToken,
            authorization: authorizationOf(source.token ?? '', sessionToken),
          };
        },
        tokensDue ? tokenAnswers$ : undefined,
        period,
        ctx,
      );

    /**
     * The token after the licence request asked now with `asked`: the next token the answer for
     * this source brings; `asked` itself for an answer that keeps it or carries none, a refusal,
     * or no answer by the end of this try. Read once the session ended (a teardown waits for it):
     * while a new session of the same source is wanted, an answer could be that session's, and
     * is not taken.
     */
    const licenceToken$ = (asked: string): Observable<string> =>
      merge(
        answers$.pipe(
          // Once a new session of this source is wanted, its licences have this `src` too.
          filter(() => ctx.lane.wantedSrc !== source.src),
          // One that cannot go in a header is refused by the transport: a 6002, nothing sent.
          map((answer) => answer.sessionToken ?? asked),
          // Licence answers that fail leave the wait to the end of the try: the teardown stays.
          catchError(() => EMPTY),
        ),
        // The end of this try, as a date: the wait is counted from the ask, not the teardown.
        timer(
          new Date(ctx.scheduler.now() + (period * 1000) / (ctx.heartbeatRetries + 1)),
          ctx.scheduler,
        ).pipe(map(() => asked)),
      ).pipe(take(1));

    const answers$ = ctx.licence$.pipe(
      filter((answer) => answer.src === source.src),
      share(),
    );
    // In licence mode, an answer that renewed the licence without naming a next token (a
    // FairPlay server that keeps the token) renews the session with the token it has. Asked
    // only of answers that name no token.
    const keepsToken = (answer: LicenceAnswer) => answer.renewed === true && renewal === 'licence';
    const tokenAnswers$ = answers$.pipe(
      filter((answer) => answer.sessionToken !== undefined || keepsToken(answer)),
    );
    // What each licence answer does to the session: nothing, unless it carries a token, says
    // the DRM is enforced, renewed with the token kept, or was refused with 1008.
    const fromLicences$ = answers$.pipe(
      mergeMap((answer): Update[] => {
        const { sessionToken: token, refused } = answer;
        if (refused?.serverCode === STOPPED_REMOTELY_SERVER_CODE) {
          return [{ error: licenceRefusal(refused, source) }];
        }
        if (token === undefined) {
          if (keepsToken(answer)) return [{ sessionToken }];
          return answer.drmEnforced === true ? [{ renewal: 'licence' }] : [];
        }
        if (typeof token !== 'string' || !isSendable(token)) {
          return [
            {
              error: new SsmError({
                kind: 'heartbeat',
                message: 'a licence answer carried a session token a header cannot carry',
                source,
              }),
            },
          ];
        }
        return [{ renewal: 'licence', sessionToken: token, tokensDue: true }];
      }),
    );

    /**
     * A Widevine renewal. Its caller gets the answer of its latest try when the renewal ends:
     * answered (after `active` has the new token), failed, or cut short by the session's end (a
     * zap, a stop), which leaves the request in flight to run to its answer; the teardown uses
     * the token it brought.
     */
    const widevineRenewal = (job: WidevineJob): Observable<Update> => {
      // Set on subscribe, before anything can end the renewal.
      let latest!: Observable<RenewalOutcome<WidevineRenewal>>;
      return renewalCall(
        defer(() => {
          latest = calls.queue(
            sendRenewal('renewal', parseWidevineRenewal, { challenge: job.challenge }),
          );
          return latest;
        }),
        () => period,
        ctx,
      ).pipe(
        map(
          (outcome): Update =>
            'error' in outcome
              ? outcome
              : { sessionToken: outcome.sessionToken, renewal: 'licence' },
        ),
        finalize(() =>
          latest.subscribe((outcome) => {
            if ('error' in outcome) return job.reply.error(outcome.error);
            job.reply.next(outcome.license);
            job.reply.complete();
          }),
        ),
      );
    };

    const fromTicks$ = heartbeatTicks(period$, ctx.appState$, ctx.scheduler).pipe(
      ctx.mode.ticks((catchUp) =>
        (renewal === 'heartbeat' ? heartbeat() : renewByLicence()).pipe(
          map((update) =>
            catchUp && 'error' in update
              ? {
                  ...update,
                  // A session stopped from another device is not set up again behind its back.
                  expired:
                    !update.error.isStoppedRemotely &&
                    (renewal === 'licence' || !isTransient(update.error)),
                }
              : update,
          ),
        ),
      ),
    );

    const fromWidevine$ = ctx.widevine$.pipe(mergeMap(widevineRenewal));

    /** Applies an update; true when `active` has something new to say (or it is an error). */
    const apply = (update: Update): boolean => {
      if ('error' in update) {
        tokenAtEnd(update.error.isStoppedRemotely ? of(sessionToken) : undefined);
        return true;
      }
      let changed = false;
      if (update.sessionToken !== undefined) {
        // Also when it is the same token: a teardown no longer waits for this answer.
        changed = update.sessionToken !== sessionToken;
        sessionToken = update.sessionToken;
        tokenAtEnd(of(sessionToken));
      }
      if (update.renewal !== undefined && update.renewal !== renewal) {
        renewal = update.renewal;
        tokenAtEnd(of(sessionToken));
        toLicenceMode.next();
        changed = true;
      }
      tokensDue ||= !!update.tokensDue;
      if (update.heartbeatSeconds !== undefined) {
        const next = usablePeriod(update.heartbeatSeconds, source, ctx);
        changed ||= next !== period;
        period = next;
        period$.next(period);
      }
      // A renewal answer re-emits `active` even with the same token: the session was renewed.
      return changed || update.sessionToken !== undefined;
    };

    return merge(fromLicences$, fromTicks$, fromWidevine$).pipe(
      filter(apply),
      takeWhile((update) => !('error' in update), true),
      map((update): SsmState | Reestablish => {
        if (!('error' in update)) return active(source, sessionToken, period, renewal);
        return update.expired && ctx.reestablishAfterBackground
          ? { status: 'reestablish', error: update.error }
          : failed(source, update.error);
      }),
      startWith(active(source, sessionToken, period, renewal)),
    );
  });
}

/** The heartbeat error of a licence request the licence server refused. */
function licenceRefusal(refused: NonNullable<LicenceAnswer['refused']>, source: SsmSource) {
  const { httpStatus, serverCode, message } = refused;
  return new SsmError({
    kind: 'heartbeat',
    message: `the licence request was refused with HTTP ${httpStatus}${message ? `: "${message}"` : ''}`,
    httpStatus,
    source,
    serverCode,
    serverMessage: message,
  });
}

/** A server period clamped into the usable range; a clamp is reported, once per answer. */
function usablePeriod(seconds: number, source: SsmSource, ctx: SessionContext): number {
  const used = clampPeriod(seconds, ctx.minHeartbeatSeconds);
  if (used !== seconds) {
    ctx.diagnostics.next({
      kind: 'heartbeat-clamped',
      source,
      requestedSeconds: seconds,
      usedSeconds: used,
    });
  }
  return used;
}
