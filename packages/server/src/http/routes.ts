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

/** The route of a request target (`req.url`), or undefined for an unknown path. */
export function routeOf(target: string | undefined): Route | undefined {
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
