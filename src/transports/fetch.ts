import { Observable, throwError, timeout } from 'rxjs';
import type { SsmResponse, SsmTransport } from '../types.js';

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
    new Observable<SsmResponse>((subscriber) => {
      const controller = new AbortController();
      const send = options.fetch ?? globalThis.fetch;
      send(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: controller.signal,
        ...(options.keepalive && { keepalive: true }),
      })
        // The body is read before completing: completion runs the abort below.
        .then(async (response) => ({ status: response.status, body: await response.text() }))
        .then(
          (response) => {
            subscriber.next(response);
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
      return () => controller.abort();
    }).pipe(
      timeout({
        first: timeoutMs,
        with: () => throwError(() => new Error(`no response within ${timeoutMs} ms`)),
      }),
    );
}
