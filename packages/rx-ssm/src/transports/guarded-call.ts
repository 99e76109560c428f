import { Observable } from '../rx.js';
import type { SsmRequest, SsmResponse } from '../types.js';
import { callDeadline } from './call-deadline.js';
import { unsendableHeader } from './sendable-headers.js';

/** What both transports bound a call by: its deadline and the size of its answer. */
export interface CallBounds {
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** One call as a transport sends it: aborted by `signal`, failed at once by `fail`. */
export type SendCall = (
  signal: AbortSignal,
  maxBytes: number,
  fail: (error: unknown) => void,
) => Promise<SsmResponse>;

/**
 * The hardening both transports share: every header checked before anything is sent (an
 * `unsendable-header` error, nothing sent), one deadline for the whole call (default
 * 10 000 ms), the answer's size cap handed to `send` (default 65 536 bytes), and the request
 * aborted on unsubscribe, which also closes the connection of a refused or late body.
 */
export function guardedCall(req: SsmRequest, bounds: CallBounds, send: SendCall) {
  const timeoutMs = bounds.timeoutMs ?? 10_000;
  return new Observable<SsmResponse>((subscriber) => {
    const unsendable = unsendableHeader(req.headers);
    if (unsendable) return subscriber.error(unsendable);
    const controller = new AbortController();
    const fail = (error: unknown) => subscriber.error(error);
    send(controller.signal, bounds.maxResponseBytes ?? 65_536, fail).then((response) => {
      subscriber.next(response);
      subscriber.complete();
    }, fail);
    return () => controller.abort();
  }).pipe(callDeadline(timeoutMs));
}
