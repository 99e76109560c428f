/**
 * What the player adapters use of rxjs, named once: each adapter's bundle (rxjs external) has one
 * import of it for the adapter code, not one per module. Apart from the core's (`src/rx.ts`), as
 * a bundle keeps every name of a module it imports from: the core's stays free of these.
 */
export {
  asyncScheduler,
  catchError,
  defer,
  distinctUntilChanged,
  EMPTY,
  exhaustMap,
  filter,
  first,
  firstValueFrom,
  from,
  fromEvent,
  fromEventPattern,
  ignoreElements,
  isObservable,
  map,
  merge,
  Observable,
  type OperatorFunction,
  of,
  type SchedulerLike,
  type Subscription,
  shareReplay,
  startWith,
  switchMap,
  take,
  tap,
  throwError,
  timeout,
  withLatestFrom,
} from 'rxjs';
