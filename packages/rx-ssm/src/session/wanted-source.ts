import { merge, startWith } from '../creation.js';
import { EMPTY, map, type Observable, scan } from '../rx.js';
import type { SsmSource } from '../types.js';

interface Intended {
  source: SsmSource | null;
  stopped: boolean;
}

/** One intent, as what it does to what the player intends. */
type Intent = (now: Intended) => Intended;

const sameSrc = (a: SsmSource | null, b: SsmSource | null) =>
  a !== null && b !== null && a.src === b.src;

/** A new source ends a stop (unless it is the same `src`); play ends it too. */
const sourceIntent =
  (source: SsmSource | null): Intent =>
  (now) => ({ source, stopped: now.stopped && sameSrc(now.source, source) });
const stop: Intent = (now) => ({ ...now, stopped: true });
const play: Intent = (now) => ({ ...now, stopped: false });

/**
 * The source that wants an SSM session now, from the player's intents: the current source,
 * unless it is `null`, needs no SSM (no `ssmServerUrl`) or was stopped; then `null`. Starts
 * with `null`: before any source there is nothing to do.
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
  return merge(
    source$.pipe(map((source) => sourceIntent(source ?? null))),
    (stop$ ?? EMPTY).pipe(map(() => stop)),
    (play$ ?? EMPTY).pipe(map(() => play)),
  ).pipe(
    scan((now: Intended, intent: Intent) => intent(now), { source: null, stopped: false }),
    map(({ source, stopped }): SsmSource | null =>
      stopped || !needsSession(source) ? null : source,
    ),
    startWith<SsmSource | null>(null),
  );
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
