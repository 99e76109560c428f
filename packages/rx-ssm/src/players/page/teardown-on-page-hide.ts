import { EMPTY, fromEvent, map, type Subscription, switchMap, take } from 'rxjs';
import { fetchTransport } from '../../transports/fetch.js';
import type { SsmSession } from '../../types.js';
import { ssmRequest } from '../../wire/wire.js';

/** Options of {@link teardownOnPageHide}. */
export interface TeardownOnPageHideOptions {
  /** The `fetch` to send with; default the global one. */
  fetch?: typeof fetch;
}

/**
 * Frees the slot when the page goes away: on `pagehide`, the teardown of the live session (its
 * newest session token) is sent with `fetch(…, { keepalive: true })`, which outlives the page,
 * instead of leaving the slot held until the server expires it.
 *
 * The request is fire-and-forget: nothing can read its answer once the page is gone. A page
 * restored from the back/forward cache finds its session torn down; its next heartbeat fails
 * with 6003, which tells the app to load the content again.
 *
 * ```
 * session$:  --A---A'------
 * pagehide:  ----------x---
 * teardown:  ----------t'--     (keepalive, token of A')
 * ```
 *
 * @param window The page's `window` (anything that fires `pagehide`).
 * @returns The subscription to `session$` (the session runs while it is watched); unsubscribe to
 *   stop watching.
 */
export function teardownOnPageHide(
  window: EventTarget,
  session: Pick<SsmSession, 'session$'>,
  options: TeardownOnPageHideOptions = {},
): Subscription {
  const send = fetchTransport({ keepalive: true, ...(options.fetch && { fetch: options.fetch }) });
  return session.session$
    .pipe(
      switchMap((state) =>
        state.status === 'active'
          ? fromEvent(window, 'pagehide').pipe(
              take(1),
              map(() => ssmRequest('teardown', state.source, state.sessionToken)),
            )
          : EMPTY,
      ),
    )
    .subscribe((request) => {
      // Not tied to this subscription: an app that unsubscribes on pagehide must not abort it.
      send(request).subscribe({ error: () => {} });
    });
}
