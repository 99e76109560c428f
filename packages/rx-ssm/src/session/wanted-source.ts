import { merge, startWith } from '../creation.js';
import { defer, EMPTY, map, type Observable, tap } from '../rx.js';
import type { SsmSource } from '../types.js';

const sameSrc = (a: SsmSource | null, b: SsmSource | null) =>
  a !== null && b !== null && a.src === b.src;

/**
 * The source that wants an SSM session now, from the player's intents: the current source,
 * unless it is `null`, needs no SSM (no `ssmServerUrl`) or was stopped; then `null`. Starts
 * with `null`: before any source there is nothing to do. A stop holds until play or a source
 * with another `src`.
 *
 * ```
 * source$:  --a-----------b---
 * stop$:    -------s----------
 * play$:    ----p------p------
 * wanted:   n-a-a--n---a--b---
 * ```
 */
export function wantedSource(
  source$: Observable<SsmSource | null>,
  play$?: Observable<unknown>,
  stop$?: Observable<unknown>,
): Observable<SsmSource | null> {
  return defer(() => {
    let source: SsmSource | null = null;
    let stopped = false;
    return merge(
      source$.pipe(
        tap((next) => {
          stopped &&= sameSrc(source, next ?? null);
          source = next ?? null;
        }),
      ),
      (stop$ ?? EMPTY).pipe(tap(() => (stopped = true))),
      (play$ ?? EMPTY).pipe(tap(() => (stopped = false))),
    ).pipe(
      map(() => (stopped || !needsSession(source) ? null : source)),
      startWith<SsmSource | null>(null),
    );
  });
}

/**
 * A source that names an SSM service. Anything else (`null`, or a value that is no object and so
 * has no `ssmServerUrl`) needs no session.
 */
function needsSession(source: SsmSource | null): source is SsmSource {
  return source?.ssmServerUrl !== undefined;
}

/** Two wanted sources are the same session when they share `src`. */
export function sameSession(a: SsmSource | null, b: SsmSource | null): boolean {
  return a === b || sameSrc(a, b);
}
