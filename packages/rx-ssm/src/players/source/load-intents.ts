import { defer, map, type Observable, of, shareReplay, switchMap } from 'rxjs';
import type { SsmSource } from '../../types.js';
import { answered, type SourceAnswer } from './source-answer.js';

/** What the app answers for the URI a player is loading. */
export type UriSourceOf = (uri: string) => SourceAnswer;

/** The intents of a player's loads. */
export interface LoadIntents {
  /** The source of the current load (`null` while its answer is pending, and when unloaded). */
  source$: Observable<SsmSource | null>;
  /**
   * Each load, once its source is known: after a failed session (6001 at the limit) or a stop,
   * loading again (even the same URI) sets up a fresh session. It comes with the answer, not at
   * the start of the load: a play while the previous answer still stands would set up a session
   * for it, and the pending answer's `null` would tear that down again (two setups and a
   * teardown where one setup does).
   */
  loaded$: Observable<SsmSource>;
}

interface LoadAnswer {
  source: SsmSource | null;
  /** The first source this load's answer gave. */
  first: boolean;
}

/**
 * The source and the load intents of a player that loads content by URI: every URI emitted is a
 * load (asked of `sourceOf`), `null` an unload. `source$` replays the latest source to every
 * subscriber while any is subscribed.
 *
 * ```
 * uri$:      -a--------a---n-
 * answers:   -(na)-----(na')-
 * source$:   -(na)-----(na')n-
 * loaded$:   --a--------a'----
 * ```
 */
export function loadIntents(uri$: Observable<string | null>, sourceOf: UriSourceOf): LoadIntents {
  const answers$: Observable<LoadAnswer> = uri$.pipe(
    switchMap((uri) => (uri ? answersOfLoad(uri, sourceOf) : of({ source: null, first: false }))),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  return {
    source$: answers$.pipe(map(({ source }) => source)),
    loaded$: answers$.pipe(switchMap(({ source, first }) => (first && source ? of(source) : []))),
  };
}

/** The answers for one load, the first source among them marked. */
function answersOfLoad(uri: string, sourceOf: UriSourceOf): Observable<LoadAnswer> {
  return defer(() => {
    let known = false;
    return answered(() => sourceOf(uri)).pipe(
      map((source) => {
        const first = !known && source !== null;
        if (source) known = true;
        return { source, first };
      }),
    );
  });
}
