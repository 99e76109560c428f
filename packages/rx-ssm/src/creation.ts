/**
 * `of`, `merge`, `concat` and `startWith` without rxjs's optional scheduler argument, which the
 * SDK never passes. rxjs's own take it through `from(values, scheduler)`, and that brings every
 * `schedule*` function into an app bundle (0.41 KB of a fetch app, gzipped). These emit the same
 * values at the same moments: without a scheduler, rxjs's `of` is `from` over an array, which is
 * what `defer` makes of the array its factory returns. The core and the React hook import them
 * from here; this module takes rxjs through `rx.ts`, which does not re-export these (no import
 * circle). The player adapters keep rxjs's own for now: these functions' own bytes would take the
 * React Native entry (which has `licenseHeadersWhenActive`) past its budget.
 */
import {
  concatMap,
  defer,
  mergeMap,
  type Observable,
  type ObservableInputTuple,
  type OperatorFunction,
} from './rx.js';

/** The values given, at once, then complete: rxjs's `of` without a scheduler. */
export const of = <T>(...values: T[]): Observable<T> => defer(() => values);

/** Every source at once, their values as they come: rxjs's `merge` without a scheduler. */
export const merge = <A extends readonly unknown[]>(
  ...sources: [...ObservableInputTuple<A>]
): Observable<A[number]> => of(...sources).pipe(mergeMap((source) => source));

/** Each source after the one before completes: rxjs's `concat` without a scheduler. */
export const concat = <A extends readonly unknown[]>(
  ...sources: [...ObservableInputTuple<A>]
): Observable<A[number]> => of(...sources).pipe(concatMap((source) => source));

/** `value` first, then the source: rxjs's `startWith` of one value, without a scheduler. */
export const startWith =
  <T, D = T>(value: D): OperatorFunction<T, T | D> =>
  (source) =>
    concat(of(value), source);
