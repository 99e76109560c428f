import {
  catchError,
  EMPTY,
  filter,
  finalize,
  map,
  type Observable,
  ReplaySubject,
  Subject,
  take,
  tap,
} from '../rx.js';
import type { SsmSource } from '../types.js';
import type { Flatten } from './mode.js';

/** A teardown queued and not yet answered. */
export interface PendingTeardown {
  readonly source: SsmSource;
}

/**
 * Where a pipeline's SSM requests run. Requests outlive the subscriber that asked for them: a
 * setup superseded in flight must still be answered so its session can be torn down, and the
 * teardown after the last unsubscribe must still go out.
 */
export interface RequestLane {
  /**
   * The `src` the pipeline wants a session for now, if any, whichever subscription: kept with the
   * lane, which outlives them, so a teardown still waiting sees what the next one wants.
   */
  wantedSrc?: string;
  /** Queues a setup or teardown job in the mode's order; returns its outcome, replayed. */
  queue<T>(job: Observable<T>): Observable<T>;
  /** Queues a teardown job, tracked as pending until it completes. */
  queueTeardown(source: SsmSource, job: Observable<unknown>): void;
  /** Teardowns queued and not yet answered, oldest first. */
  readonly pendingTeardowns$: Observable<readonly PendingTeardown[]>;
  /** The pending teardowns right now. */
  pendingTeardowns(): readonly PendingTeardown[];
  /** Emits once none of `teardowns` is pending any more. */
  answered(teardowns: readonly PendingTeardown[]): Observable<unknown>;
}

/**
 * A lane whose queued jobs are flattened by `flatten`: `mergeMap` lets them overlap,
 * `concatMap` runs them one at a time in the order they were queued.
 */
export function requestLane(flatten: Flatten): RequestLane {
  const jobs = new Subject<Observable<unknown>>();
  // Never unsubscribed on purpose: see the interface. Jobs are finite, so this holds nothing.
  jobs.pipe(flatten((job: Observable<unknown>) => job)).subscribe();
  let pending: readonly PendingTeardown[] = [];
  // Each change of the list, and the last one to a new subscriber.
  const changes = new ReplaySubject<void>(1);
  changes.next();
  const setPending = (now: readonly PendingTeardown[]) => {
    pending = now;
    changes.next();
  };
  // Read the list as it is when an update arrives: a teardown that completes while another
  // update is being delivered makes a nested update, and the outer one would be stale.
  const pending$ = changes.pipe(map(() => pending));

  const queue = <T>(job: Observable<T>): Observable<T> => {
    const outcome = new ReplaySubject<T>();
    jobs.next(
      job.pipe(
        tap(outcome),
        catchError(() => EMPTY),
      ),
    );
    // Read as an Observable, by the SDK's own steps only.
    return outcome;
  };

  return {
    queue,
    queueTeardown(source, job) {
      const entry: PendingTeardown = { source };
      setPending([...pending, entry]);
      queue(job.pipe(finalize(() => setPending(pending.filter((e) => e !== entry)))));
    },
    pendingTeardowns$: pending$,
    pendingTeardowns: () => pending,
    answered(teardowns) {
      return pending$.pipe(
        filter((now) => !teardowns.some((t) => now.includes(t))),
        take(1),
      );
    },
  };
}
