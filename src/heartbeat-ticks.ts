import {
  combineLatest,
  defer,
  distinctUntilChanged,
  map,
  NEVER,
  type Observable,
  type SchedulerLike,
  switchMap,
  tap,
  timer,
} from 'rxjs';
import type { AppState } from './types.js';

/**
 * When the heartbeats of one session are due: every period, measured from the last tick, while
 * the app is in the foreground (`active` or `pip`), and never in the `background`, where the
 * platform may freeze timers. Back in the foreground, a tick that came due meanwhile fires at
 * once and the period restarts from it; otherwise the next tick comes when it was due. A new
 * period counts from the last tick.
 *
 * ```
 * period$ (s):  2------------------
 * appState$:    a-----b---------a--
 * ticks:        --t-t-----------t-t
 * ```
 */
export function heartbeatTicks(
  periodSeconds$: Observable<number>,
  appState$: Observable<AppState>,
  scheduler: SchedulerLike,
): Observable<number> {
  return defer(() => {
    let lastTickAt = scheduler.now();
    const foreground$ = appState$.pipe(
      map((state) => state !== 'background'),
      distinctUntilChanged(),
    );
    return combineLatest([foreground$, periodSeconds$.pipe(distinctUntilChanged())]).pipe(
      switchMap(([foreground, seconds]) => {
        if (!foreground) return NEVER;
        const periodMs = seconds * 1000;
        return timer(Math.max(0, lastTickAt + periodMs - scheduler.now()), periodMs, scheduler);
      }),
      map(() => scheduler.now()),
      tap((now) => {
        lastTickAt = now;
      }),
    );
  });
}
