import { type MonoTypeOperatorFunction, takeUntil, throwIfEmpty, timer } from '../rx.js';
import { deadlineExceeded } from './transport-error.js';

/**
 * One deadline for a whole call: a transport emits its response only once the body is read (and
 * completes with it), so a deadline on that emission covers connect, headers and body alike.
 * When it passes, the call is unsubscribed (which aborts the request) and errors with a
 * `deadline` {@link TransportError}.
 *
 * ```
 * call:          ------------r|
 * callDeadline:  -------#            (timeoutMs = 7 frames)
 * ```
 */
export function callDeadline<T>(timeoutMs: number): MonoTypeOperatorFunction<T> {
  return (call$) =>
    call$.pipe(
      takeUntil(timer(timeoutMs)),
      throwIfEmpty(() => deadlineExceeded(timeoutMs)),
    );
}
