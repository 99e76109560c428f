import { map, merge, type Observable, scan, startWith } from 'rxjs';
import type { SsmSource } from '../types.js';

type Intent = { kind: 'source'; source: SsmSource | null } | { kind: 'stop' } | { kind: 'play' };

interface Intended {
  source: SsmSource | null;
  stopped: boolean;
}

const sameSrc = (a: SsmSource | null, b: SsmSource | null) =>
  a !== null && b !== null && a.src === b.src;

/** Folds one intent into what the player intends. A new source ends a stop; play ends it too. */
function intend(now: Intended, intent: Intent): Intended {
  switch (intent.kind) {
    case 'source':
      return { source: intent.source, stopped: now.stopped && sameSrc(now.source, intent.source) };
    case 'stop':
      return { ...now, stopped: true };
    case 'play':
      return { ...now, stopped: false };
  }
}

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
    source$.pipe(map((source): Intent => ({ kind: 'source', source: source ?? null }))),
    ...(stop$ ? [stop$.pipe(map((): Intent => ({ kind: 'stop' })))] : []),
    ...(play$ ? [play$.pipe(map((): Intent => ({ kind: 'play' })))] : []),
  ).pipe(
    scan(intend, { source: null, stopped: false }),
    map(({ source, stopped }): SsmSource | null =>
      stopped || !needsSession(source) ? null : source,
    ),
    startWith<SsmSource | null>(null),
  );
}

/** A source that names an SSM service. Anything else (including `null`) needs no session. */
function needsSession(source: SsmSource | null): source is SsmSource {
  return typeof source === 'object' && source !== null && source.ssmServerUrl !== undefined;
}

/** Two wanted sources are the same session when they share `src`. */
export function sameSession(a: SsmSource | null, b: SsmSource | null): boolean {
  return a === b || sameSrc(a, b);
}
