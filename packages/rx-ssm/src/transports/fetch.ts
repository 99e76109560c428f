import type { SsmTransport } from '../types.js';
import { utf8Length } from './answer-size.js';
import { guardedCall } from './guarded-call.js';
import { answerTooLarge } from './transport-error.js';

/** Options of {@link fetchTransport}. */
export interface FetchTransportOptions {
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /**
   * One deadline for the whole call: connect, headers and the complete body. Past it the
   * request is aborted and the call errors with a `deadline` `TransportError` (no
   * response), however the server trickles its answer. Default 10 000 ms.
   */
  timeoutMs?: number;
  /**
   * The largest answer body accepted, in bytes. A `Content-Length` above it fails before the
   * body is read; a body that grows past it while streaming is cancelled at once. Either way the
   * call errors with a `too-large` `TransportError` ("answer larger than N bytes").
   * Default 65 536 (64 KiB): SSM answers are a few hundred bytes, a Widevine renewal a few KiB.
   */
  maxResponseBytes?: number;
  /** Let requests outlive the page (`fetch` `keepalive`), for a teardown sent on `pagehide`. */
  keepalive?: boolean;
}

/**
 * A transport on the platform's `fetch`. Emits one response for every HTTP status, body as
 * text, and errors only when no response came. Unsubscribing aborts the request.
 *
 * Against a hostile server or a lossy network:
 * - Every header is checked before sending; one that cannot be sent (a line break, a character
 *   past U+00FF, a bad name) errors with an `unsendable-header` `TransportError` that
 *   names the header but never its value, and nothing is sent.
 * - Redirects are not followed (`redirect: 'manual'`): a token must not be replayed to another
 *   origin. A 3xx is emitted as a response with its status (Node, React Native); a browser
 *   hides it as an opaque redirect, emitted as `{ status: 0, body: '' }`. The SDK treats both as
 *   a non-2xx failure.
 * - `timeoutMs` bounds the whole call and `maxResponseBytes` the body (see the options). The
 *   body is read through `response.body.getReader()` counting bytes; where body streams are not
 *   available (React Native) it falls back to `text()`, checked against `Content-Length` first
 *   and its length after.
 */
export function fetchTransport(options: FetchTransportOptions = {}): SsmTransport {
  return (req) =>
    guardedCall(req, options, async (signal, maxBytes) => {
      const send = options.fetch ?? globalThis.fetch;
      const response = await send(req.url, {
        method: req.method ?? 'POST',
        headers: req.headers,
        ...(req.method !== 'GET' && { body: req.body }),
        signal,
        redirect: 'manual',
        keepalive: options.keepalive,
      });
      // The body is read before the call completes: completion runs the abort.
      return {
        status: response.status,
        body: response.type === 'opaqueredirect' ? '' : await cappedText(response, maxBytes),
      };
    });
}

/** The body as text, refused (and its stream cancelled) as soon as it passes `maxBytes`. */
async function cappedText(response: Response, maxBytes: number): Promise<string> {
  // A Content-Length that does not read as a finite number announces nothing.
  const declared = Number(response.headers?.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw answerTooLarge(maxBytes);
  const body = response.body;
  if (typeof body?.getReader !== 'function' || typeof TextDecoder === 'undefined') {
    const text = await response.text();
    if (utf8Length(text) > maxBytes) throw answerTooLarge(maxBytes);
    return text;
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let bytes = 0;
  let text = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return text + decoder.decode();
    bytes += chunk.value.byteLength;
    if (bytes > maxBytes) {
      reader.cancel().catch(() => undefined);
      throw answerTooLarge(maxBytes);
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
}
