import { catchError, defer, from, isObservable, Observable, of } from 'rxjs';
import type { SsmSource } from '../../types.js';

/**
 * What an app answers when a player asks which SSM source it is loading: the source now, later
 * (a promise or an observable, e.g. while the content token is fetched), or `null` when the
 * content needs no session. An observable may emit again, e.g. the same `src` with a token.
 */
export type SourceAnswer =
  | SsmSource
  | null
  | PromiseLike<SsmSource | null>
  | Observable<SsmSource | null>;

/**
 * The answer as a stream of the player's source.
 *
 * While an answer is pending the source is not known, so it is `null`: the session of the
 * previous content must not stand in for the new one (a licence request would go out with the
 * old tokens). An answer that fails (throws, rejects or errors) is `null` too: no session is
 * wanted for content whose source could not be found, and a licence request waiting for one
 * fails with a setup error instead of hanging.
 *
 * ```
 * answer:   a|      ---a|        ---#
 * stream:   a|      n--a|        n--(n|)
 * ```
 */
export function answered(ask: () => SourceAnswer): Observable<SsmSource | null> {
  return new Observable<SsmSource | null>((subscriber) => {
    let known = false;
    const subscription = defer(() => answerOf(ask))
      .pipe(catchError(() => of(null)))
      .subscribe({
        next: (source) => {
          known = true;
          subscriber.next(source);
        },
        complete: () => subscriber.complete(),
      });
    if (!known && !subscriber.closed) subscriber.next(null);
    return subscription;
  });
}

function answerOf(ask: () => SourceAnswer): Observable<SsmSource | null> {
  const answer = ask();
  if (isObservable(answer)) return answer;
  if (isPromiseLike(answer)) return from(Promise.resolve(answer));
  return of(answer);
}

function isPromiseLike(value: unknown): value is PromiseLike<SsmSource | null> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
