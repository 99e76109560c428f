import { asyncScheduler, defer, delay, type Observable, of, type SchedulerLike } from 'rxjs';
import type { SsmRequest, SsmResponse, SsmTransport } from '../types.js';

/** One request a scripted transport saw, at the scheduler's time. */
export interface RecordedRequest {
  /** Scheduler time the request went out (frames inside `TestScheduler.run`). */
  at: number;
  call: SsmRequest['call'];
  url: string;
  /** Value of the token header. */
  token: string;
  request: SsmRequest;
}

/** A transport that answers from a script and records what it was asked. */
export interface ScriptedTransport extends SsmTransport {
  /** Every request so far, in the order sent. */
  readonly requests: RecordedRequest[];
}

/** Options of {@link scriptedTransport}. */
export interface ScriptedTransportOptions {
  /** Clock of `at`; default `asyncScheduler`, which `TestScheduler.run` makes virtual. */
  scheduler?: SchedulerLike;
  /** Header whose value is recorded as `token`; default `nv-authorizations`. */
  tokenHeader?: string;
}

/**
 * A transport for marble specs: `respond` returns the answer to each request as an observable,
 * typically a cold one (`cold('--r|', { r: ok({...}) })`), so the answer lands at an exact
 * virtual time. Unsubscribing from it is what an abort looks like.
 *
 * @example
 * ```ts
 * const transport = scriptedTransport((req) =>
 *   req.call === 'setup' ? cold('--r|', { r: ok({ sessionToken: 's1', heartbeat: 5 }) }) : cold('-r|', { r: ok({}) }),
 * );
 * ```
 */
export function scriptedTransport(
  respond: (request: SsmRequest, index: number) => Observable<SsmResponse>,
  options: ScriptedTransportOptions = {},
): ScriptedTransport {
  const scheduler = options.scheduler ?? asyncScheduler;
  const header = (options.tokenHeader ?? 'nv-authorizations').toLowerCase();
  const requests: RecordedRequest[] = [];
  const transport = (request: SsmRequest) =>
    defer(() => {
      const token = Object.entries(request.headers).find(([k]) => k.toLowerCase() === header);
      requests.push({
        at: scheduler.now(),
        call: request.call,
        url: request.url,
        token: token?.[1] ?? '',
        request,
      });
      return respond(request, requests.length - 1);
    });
  return Object.assign(transport, { requests });
}

/** A 200 response with `body`. */
export function ok(body: unknown = {}): SsmResponse {
  return { status: 200, body };
}

/** A failed response with the SSM error body. */
export function refused(status: number, errorCode?: number, message = 'refused'): SsmResponse {
  return { status, body: errorCode === undefined ? { message } : { errorCode, message } };
}

/** A response after `ms` of the scheduler (virtual frames inside `TestScheduler.run`). */
export function answerAfter(
  ms: number,
  response: SsmResponse,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<SsmResponse> {
  return of(response).pipe(delay(ms, scheduler));
}
