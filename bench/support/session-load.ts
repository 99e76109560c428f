// The two workloads of the server benchmarks, as raw-client scenarios: heartbeats on live
// sessions, and setup+teardown cycles.
import { type RawScenario, sessionCall, sessionTokenIn } from './raw-http-client.js';

/** The server benchmarks' workloads. */
export type Workload = 'heartbeat' | 'cycle';

/** Sets up `count` sessions with `contentToken`; resolves their tokens. */
export function liveSessions(origin: string, contentToken: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${origin}/v1/sessions/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'nv-authorizations': contentToken },
        body: '{}',
      });
      return ((await response.json()) as { sessionToken: string }).sessionToken;
    }),
  );
}

/** Heartbeats on one session: each answer's token is the next request's. */
function heartbeats(host: string, token: string): RawScenario {
  let current = token;
  return {
    next(status, body) {
      if (status === 200) current = sessionTokenIn(body) ?? current;
      return sessionCall(host, 'heartbeat', current);
    },
  };
}

/** A setup, then the teardown of the session it got, and again. */
function cycles(host: string, contentToken: string): RawScenario {
  let setupNext = true;
  return {
    next(_status, body) {
      const call = setupNext
        ? sessionCall(host, 'setup', contentToken)
        : sessionCall(host, 'teardown', sessionTokenIn(body) ?? 'no-session-token-answered');
      setupNext = !setupNext;
      return call;
    },
  };
}

/**
 * One scenario per connection: for heartbeats each gets a session of its own, set up first
 * with `contentToken`; for cycles each sets up with `contentToken` and tears down.
 */
export async function sessionScenarios(
  origin: string,
  workload: Workload,
  contentToken: string,
  connections: number,
): Promise<RawScenario[]> {
  const host = new URL(origin).host;
  if (workload === 'cycle') {
    return Array.from({ length: connections }, () => cycles(host, contentToken));
  }
  const tokens = await liveSessions(origin, contentToken, connections);
  return tokens.map((token) => heartbeats(host, token));
}

/** Heartbeats on one session per content token: with a token per account, sessions spread over routes. */
export async function heartbeatsOn(
  origin: string,
  contentTokens: string[],
): Promise<RawScenario[]> {
  const host = new URL(origin).host;
  const tokens = await Promise.all(contentTokens.map((token) => liveSessions(origin, token, 1)));
  return tokens.map(([token]) => heartbeats(host, token ?? 'no-session-token-answered'));
}
