/**
 * What the SDK core (session, transports, account calls) uses of rxjs, named once: its modules
 * import rxjs through this one, so a bundle that keeps rxjs external (the published build, an app
 * that loads rxjs on its own) has one import of it, not one per module (core 8.38 → 7.94 KB).
 * The players and React entries import rxjs themselves: what they alone use stays out of here.
 */
export {
  asyncScheduler,
  catchError,
  concat,
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
  merge,
  mergeMap,
  NEVER,
  Observable,
  type ObservableInput,
  type OperatorFunction,
  of,
  ReplaySubject,
  retry,
  type SchedulerLike,
  Subject,
  scan,
  share,
  startWith,
  switchMap,
  take,
  takeUntil,
  takeWhile,
  tap,
  throwIfEmpty,
  timer,
} from 'rxjs';
