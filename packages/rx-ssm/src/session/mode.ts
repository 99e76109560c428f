import {
  concatMap,
  exhaustMap,
  mergeMap,
  type ObservableInput,
  type OperatorFunction,
} from '../rx.js';

/** A flattening operator: how new work meets work still in flight. */
export type Flatten = <T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
) => OperatorFunction<T, R>;

/**
 * The one place where sync and async differ: which flattening operator runs
 * setup/teardown requests, and which one meets a heartbeat tick while a heartbeat is pending.
 */
export interface Mode {
  /** Setup and teardown requests of one pipeline. */
  requests: Flatten;
  /** Heartbeat ticks of one session. */
  ticks: Flatten;
}

/** Default: requests overlap (zaps are fast); a tick during a pending heartbeat is skipped. */
export const asyncMode: Mode = { requests: mergeMap, ticks: exhaustMap };

/** Requests one at a time in intent order; a tick during a pending heartbeat waits for it. */
export const syncMode: Mode = { requests: concatMap, ticks: concatMap };
