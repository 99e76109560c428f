import type { IncomingMessage, ServerResponse } from 'node:http';

/** `true`: any origin; a list: those origins only; `false`: no CORS headers at all. */
export type CorsOption = boolean | string[];

/** `scheme://host[:port]` or `null`: anything else is not reflected. */
const SERIALIZED_ORIGIN = /^(?:null|[a-z][a-z0-9+.-]*:\/\/[^\s/?#]+)$/i;

/**
 * Sets the CORS headers for an allowed `Origin`: the origin reflected (never `*`, and no
 * credentials), and the request headers an SSM call or a licence request uses. Nothing is exposed
 * beyond the CORS-safelisted response headers.
 */
export function applyCors(
  cors: CorsOption,
  tokenHeader: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (cors === false) return;
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (!origin || !SERIALIZED_ORIGIN.test(origin)) return;
  if (cors !== true && !cors.includes(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader(
    'Access-Control-Allow-Headers',
    `Accept, Content-Type, Idempotency-Key, ${tokenHeader}`,
  );
  res.setHeader('Access-Control-Max-Age', '600');
}
