import {
  defer,
  distinctUntilChanged,
  map,
  NEVER,
  type Observable,
  type SchedulerLike,
  switchMap,
  tap,
  timer,
} from '../rx.js';
import type { AppState } from '../types.js';

/**
 * When the heartbeats of one session are due: every period, measured from the last tick, while
 * the app is in the foreground (`active` or `pip`), and never in the `background`, where the
 * platform may freeze timers. Back in the foreground, a tick that came due meanwhile fires at
 * once and the period restarts from it; otherwise the next tick comes when it was due. A new
 * period counts from the last tick. Each tick says whether it catches up (`true`: fired on the
 * return to the foreground, for a heartbeat that came due meanwhile).
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
): Observable<boolean> {
  return defer(() => {
    let lastTickAt = scheduler.now();
    let wasBackground = false;
    const foreground$ = appState$.pipe(
      map((state) => state !== 'background'),
      distinctUntilChanged(),
    );
    // The period, read again on each return to the foreground: it replays its current value.
    const period$ = periodSeconds$.pipe(distinctUntilChanged());
    return foreground$.pipe(
      switchMap((foreground) => {
        if (!foreground) {
          wasBackground = true;
          return NEVER;
        }
        return period$.pipe(
          switchMap((seconds) => {
            const periodMs = seconds * 1000;
            const due = lastTickAt + periodMs - scheduler.now();
            const catchUp = wasBackground && due <= 0;
            wasBackground = false;
            // A due time past (after the background) fires at once: timer counts it as 0.
            return timer(due, periodMs, scheduler).pipe(
              tap(() => {
                lastTickAt = scheduler.now();
              }),
              map((n) => catchUp && n === 0),
            );
          }),
        );
      }),
    );
  });
}
