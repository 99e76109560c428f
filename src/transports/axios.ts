import axios, { type AxiosInstance } from 'axios';
import { Observable } from 'rxjs';
import type { SsmTransport } from '../types.js';

/** Options of {@link axiosTransport}. */
export interface AxiosTransportOptions {
  /** No response within this time is a failure with no response. Default 10 000 ms. */
  timeoutMs?: number;
}

/**
 * The default transport, on axios (XHR in browsers and React Native, `node:http` in Node).
 * Emits one response for every HTTP status, body as text (the SDK parses it), and errors only
 * when no response came. Unsubscribing aborts the request.
 *
 * @param instance An axios instance with the app's interceptors, proxy or agent; default `axios`.
 */
export function axiosTransport(
  instance: AxiosInstance = axios,
  options: AxiosTransportOptions = {},
): SsmTransport {
  const timeout = options.timeoutMs ?? 10_000;
  return (req) =>
    new Observable((subscriber) => {
      const controller = new AbortController();
      instance
        .request<string>({
          url: req.url,
          method: 'POST',
          headers: req.headers,
          data: req.body,
          timeout,
          signal: controller.signal,
          responseType: 'text',
          // The SDK reads every status itself; axios must neither throw on it nor parse the body.
          validateStatus: () => true,
          transformResponse: [(data: unknown) => data],
        })
        .then(
          (response) => {
            subscriber.next({ status: response.status, body: response.data });
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
      return () => controller.abort();
    });
}
