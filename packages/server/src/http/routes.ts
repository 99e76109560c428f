/** What a request path asks for. */
export type Route =
  | { name: 'session'; call: 'setup' | 'heartbeat' | 'teardown' }
  | { name: 'account-sessions' }
  | { name: 'session-stop' }
  | {
      name: 'license' /** `?renew=true`: a renewal, which may carry the session token alone. */;
      renew: boolean;
    }
  | { name: 'renewal-license-wv' }
  | { name: 'healthz' }
  | { name: 'metrics' };

/** The methods each route answers; anything else is a 405. */
export const allowedMethods: Record<Route['name'], readonly string[]> = {
  session: ['POST'],
  'account-sessions': ['GET'],
  'session-stop': ['POST'],
  license: ['POST'],
  'renewal-license-wv': ['POST'],
  healthz: ['GET', 'HEAD'],
  metrics: ['GET', 'HEAD'],
};

/** Any prefix, so the server can sit behind a path such as `/TENANT/ssm`. */
const SESSION_PATH = /^(?:\/[^?#]*)?\/v1\/sessions\/(setup|heartbeat|teardown)\/?$/;
const ACCOUNT_SESSIONS_PATH = /^(?:\/[^?#]*)?\/v1\/sessions\/?$/;
const SESSION_STOP_PATH = /^(?:\/[^?#]*)?\/v1\/sessions\/stop\/?$/;
const WIDEVINE_RENEWAL_PATH = /^(?:\/[^?#]*)?\/v1\/renewal-license-wv\/?$/;
const LICENSE_PATH = /^(?:\/[^?#]*)?\/license\/clearkey\/?$/;

/** A path `new URL` leaves as it is: no dot segments, escapes, backslashes, query or `//`. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-]+)+\/?$/;

/** How many plain targets keep their route; past that the cache starts afresh. */
const ROUTE_CACHE_SIZE = 256;
/** Longer targets are routed each time, so the cache stays small whatever is sent. */
const CACHED_TARGET_LENGTH = 256;
let plainRoutes = new Map<string, Route | undefined>();

/**
 * The route of a request target (`req.url`), or undefined for an unknown path. A server sees
 * few distinct plain targets (its prefix and a call), so each is routed once and its route kept:
 * routes are only read, never changed.
 */
export function routeOf(target: string | undefined): Route | undefined {
  if (target === undefined) return routeOfTarget(target);
  const kept = plainRoutes.get(target);
  if (kept !== undefined || plainRoutes.has(target)) return kept;
  const route = routeOfTarget(target);
  if (target.length <= CACHED_TARGET_LENGTH && PLAIN_PATH.test(target)) {
    if (plainRoutes.size >= ROUTE_CACHE_SIZE) plainRoutes = new Map();
    plainRoutes.set(target, route);
  }
  return route;
}

function routeOfTarget(target: string | undefined): Route | undefined {
  let path: string;
  let query: URLSearchParams | undefined;
  if (target !== undefined && PLAIN_PATH.test(target)) {
    path = target;
  } else {
    try {
      const url = new URL(target ?? '/', 'http://ssm.invalid');
      path = url.pathname;
      query = url.searchParams;
    } catch {
      return undefined;
    }
  }
  const session = SESSION_PATH.exec(path);
  if (session) return { name: 'session', call: session[1] as 'setup' | 'heartbeat' | 'teardown' };
  if (ACCOUNT_SESSIONS_PATH.test(path)) return { name: 'account-sessions' };
  if (SESSION_STOP_PATH.test(path)) return { name: 'session-stop' };
  if (LICENSE_PATH.test(path)) return { name: 'license', renew: query?.get('renew') === 'true' };
  if (WIDEVINE_RENEWAL_PATH.test(path)) return { name: 'renewal-license-wv' };
  if (path === '/healthz') return { name: 'healthz' };
  if (path === '/metrics') return { name: 'metrics' };
  return undefined;
}
