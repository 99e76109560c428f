/**
 * What the SDK core (session, transports, account calls) and its React hook use of rxjs, named
 * once: their modules import rxjs through this one, so a bundle that keeps rxjs external (the
 * published build, an app that loads rxjs on its own) has one import of it, not one per module
 * (core 8.38 → 7.95 KB gzipped). The player adapters import rxjs themselves: what only they use
 * stays out of here, as a bundle keeps every name this module re-exports.
 */
export {
  asyncScheduler,
  BehaviorSubject,
  catchError,
  concatMap,
  defer,
  distinctUntilChanged,
  EMPTY,
  exhaustMap,
  filter,
  finalize,
  ignoreElements,
  type MonoTypeOperatorFunction,
  map,
  mergeMap,
  NEVER,
  Observable,
  type ObservableInput,
  type ObservableInputTuple,
  type OperatorFunction,
  ReplaySubject,
  retry,
  type SchedulerLike,
  Subject,
  scan,
  share,
  switchMap,
  take,
  takeUntil,
  takeWhile,
  tap,
  throwIfEmpty,
  timer,
} from 'rxjs';
