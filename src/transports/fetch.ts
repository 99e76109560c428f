import { from, Observable, switchMap, throwError, timeout } from 'rxjs';
import type { SsmTransport } from '../types.js';

/** Options of {@link fetchTransport}. */
export interface FetchTransportOptions {
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /** No response within this time is a failure with no response. Default 10 000 ms. */
  timeoutMs?: number;
  /** Let requests outlive the page (`fetch` `keepalive`), for a teardown sent on `pagehide`. */
  keepalive?: boolean;
}

/**
 * A transport on the platform's `fetch`. Emits one response for every HTTP status, body as
 * text, and errors only when no response came. Unsubscribing aborts the request.
 */
export function fetchTransport(options: FetchTransportOptions = {}): SsmTransport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return (req) =>
    new Observable<Response>((subscriber) => {
      const controller = new AbortController();
      const send = options.fetch ?? globalThis.fetch;
      send(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: controller.signal,
        ...(options.keepalive && { keepalive: true }),
      }).then(
        (response) => {
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => controller.abort();
    }).pipe(
      switchMap((response) =>
        from(response.text().then((body) => ({ status: response.status, body }))),
      ),
      timeout({
        first: timeoutMs,
        with: () => throwError(() => new Error(`no response within ${timeoutMs} ms`)),
      }),
    );
}
