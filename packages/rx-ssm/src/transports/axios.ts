import axios, { type AxiosInstance } from 'axios';
import type { SsmTransport } from '../types.js';
import { utf8Length } from './answer-size.js';
import { guardedCall } from './guarded-call.js';
import { answerTooLarge } from './transport-error.js';

/** Options of {@link axiosTransport}. */
export interface AxiosTransportOptions {
  /**
   * One deadline for the whole call: connect, headers and the complete body. Past it the
   * request is aborted and the call errors with a `deadline` `TransportError` (no response),
   * however the server trickles its answer (axios's own `timeout` is only an idle timeout in
   * Node). Default 10 000 ms.
   */
  timeoutMs?: number;
  /**
   * The largest answer body accepted, in bytes (axios `maxContentLength`, plus a progress check
   * for adapters that ignore it, such as XHR). A body past it is aborted at once and the call
   * errors with a `too-large` `TransportError` ("answer larger than N bytes"). Default 65 536
   * (64 KiB): SSM answers are a few hundred bytes, a Widevine renewal a few KiB.
   */
  maxResponseBytes?: number;
}

/**
 * The default transport, on axios (XHR in browsers and React Native, `node:http` in Node).
 * Emits one response for every HTTP status, body as text (the SDK parses it), and errors only
 * when no response came. Unsubscribing aborts the request.
 *
 * Against a hostile server or a lossy network:
 * - Every header is checked before sending; one that cannot be sent (a line break, a character
 *   past U+00FF, a bad name) errors with an `unsendable-header` `TransportError` that names the
 *   header but never its value, and nothing is sent.
 * - Redirects are not followed (`maxRedirects: 0`, which axios's fetch adapter turns into
 *   `redirect: 'manual'`): a token must not be replayed to another origin. A 3xx is emitted as
 *   a response with its status, an opaque browser redirect with status 0; the SDK treats both
 *   as a non-2xx failure. XHR follows redirects itself and cannot be told not to: in browsers,
 *   prefer {@link fetchTransport} or axios's fetch adapter.
 * - `timeoutMs` bounds the whole call and `maxResponseBytes` the body (see the options).
 *
 * @param instance An axios instance with the app's interceptors, proxy or agent; default `axios`.
 */
export function axiosTransport(
  instance: AxiosInstance = axios,
  options: AxiosTransportOptions = {},
): SsmTransport {
  return (req) =>
    guardedCall(req, options, (signal, maxBytes, fail) =>
      instance
        .request<string>({
          url: req.url,
          method: req.method ?? 'POST',
          headers: req.headers,
          ...(req.method !== 'GET' && { data: req.body }),
          signal,
          responseType: 'text',
          // The SDK reads every status itself; axios must neither throw on it nor parse the body.
          validateStatus: () => true,
          transformResponse: [(data: unknown) => data],
          maxRedirects: 0,
          maxContentLength: maxBytes,
          // XHR ignores maxContentLength; its progress events carry Content-Length and bytes
          // read. Failing the call at once aborts it: the refused body stops being read.
          onDownloadProgress: ({ loaded, total }) => {
            if (loaded > maxBytes || (total ?? 0) > maxBytes) fail(answerTooLarge(maxBytes));
          },
        })
        .then(
          (response) => {
            const body: unknown = response.data;
            if (typeof body === 'string' && utf8Length(body) > maxBytes) {
              throw answerTooLarge(maxBytes);
            }
            return { status: response.status, body };
          },
          (error: unknown) => {
            // axios's own refusal of a body past `maxContentLength` (Node and fetch adapters).
            throw error instanceof Error && error.message.includes('maxContentLength')
              ? answerTooLarge(maxBytes)
              : error;
          },
        ),
    );
}
