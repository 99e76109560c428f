import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

/** Limits of one fetch of a JWKS URL. */
export interface JwksFetchLimits {
  /** The whole fetch (connect, redirects, body) within this many ms, default 5,000. */
  timeoutMs?: number;
  /** The body at most this many bytes, default 1 MiB. */
  maxBytes?: number;
}

const MAX_REDIRECTS = 3;

/** True for a host name that can only be this machine: `localhost`, 127.0.0.0/8, `::1`. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * The URL of a JWKS, checked: https, or plain http to a loopback address only (a key set read
 * in the clear from the network could be replaced on the way). Throws a `TypeError` naming why.
 */
export function jwksUrlOf(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`jwks URL "${String(value)}" is not a URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw new TypeError(`jwks URL ${url.href}: plain http only to a loopback address; use https`);
  }
  throw new TypeError(`jwks URL ${url.href}: only https (or http to loopback) is fetched`);
}

/**
 * Fetches a JWKS and parses it as JSON: within the deadline, at most `maxBytes`, following a
 * redirect only to the same host (and never from https to http). Rejects with an `Error` naming
 * the URL and why; nothing is left open.
 */
export function fetchJwks(url: URL, limits: JwksFetchLimits = {}): Promise<unknown> {
  const timeoutMs = limits.timeoutMs ?? 5_000;
  const maxBytes = limits.maxBytes ?? 1024 * 1024;
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), timeoutMs);
  return fetchFollowing(url, url, controller.signal, maxBytes, MAX_REDIRECTS)
    .catch((error: Error) => {
      const why = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : error.message;
      throw new Error(`jwks URL ${url.href}: ${why}`);
    })
    .finally(() => clearTimeout(deadline));
}

async function fetchFollowing(
  origin: URL,
  url: URL,
  signal: AbortSignal,
  maxBytes: number,
  redirects: number,
): Promise<unknown> {
  const response = await responseOf(url, signal);
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400 && response.headers.location) {
    response.resume();
    const next = new URL(response.headers.location, url);
    if (next.host !== origin.host || (origin.protocol === 'https:' && next.protocol !== 'https:')) {
      throw new Error(`redirected to another host (${next.host}), not followed`);
    }
    if (redirects === 0) throw new Error('too many redirects');
    return fetchFollowing(origin, next, signal, maxBytes, redirects - 1);
  }
  if (status !== 200) {
    response.resume();
    throw new Error(`answered ${status}`);
  }
  const body = await bodyOf(response, maxBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('the answer is not JSON');
  }
}

function responseOf(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { signal, headers: { accept: 'application/json' } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

function bodyOf(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    if (declared > maxBytes) {
      reject(new Error(`the answer is larger than ${maxBytes} bytes`));
      response.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error(`the answer is larger than ${maxBytes} bytes`));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the answer was cut')));
  });
}
