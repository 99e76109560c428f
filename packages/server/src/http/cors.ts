/** `true`: any origin; a list: those origins only; `false`: no CORS headers at all. */
export type CorsOption = boolean | string[];

/** `scheme://host[:port]` or `null`: anything else is not reflected. */
const SERIALIZED_ORIGIN = /^(?:null|[a-z][a-z0-9+.-]*:\/\/[^\s/?#]+)$/i;

const VARY_ONLY: Readonly<Record<string, string>> = Object.freeze({ Vary: 'Origin' });

/**
 * The CORS headers of an answer to a request from `origin`: for an allowed origin, the origin
 * reflected (never `*`, and no credentials) and the request headers an SSM call or a licence
 * request uses. Nothing is exposed beyond the CORS-safelisted response headers. Answered as
 * headers to write with the rest, not set one by one on the response.
 */
export function corsHeaders(
  cors: CorsOption,
  tokenHeader: string,
  origin: string | undefined,
): Readonly<Record<string, string>> | undefined {
  if (cors === false) return undefined;
  if (!origin || !SERIALIZED_ORIGIN.test(origin)) return VARY_ONLY;
  if (cors !== true && !cors.includes(origin)) return VARY_ONLY;
  return {
    Vary: 'Origin',
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': `Accept, Content-Type, Idempotency-Key, X-SSM-Device-Id, ${tokenHeader}`,
    'Access-Control-Max-Age': '600',
  };
}
