import { defer, finalize, tap } from 'rxjs';
import type {
  SsmRequest,
  SsmResponse,
  SsmState,
  SsmTransport,
} from '../../packages/rx-ssm/src/index.js';

/** One request a pipeline sent, and how it was answered. */
export interface Exchange {
  call: SsmRequest['call'];
  /** Value of the token header. */
  token: string;
  sentAt: number;
  answeredAt?: number;
  /** Absent while in flight and when no response came. */
  status?: number;
  noResponse?: boolean;
  /** The response body, parsed when it is JSON. */
  body?: unknown;
}

/**
 * Where one server session stands as the SDK knows it: `held` until its teardown is answered
 * (`released`), the server refused its token (`dead`), or the SDK let go of it without a teardown
 * that worked (`lost`: teardown failed, or heartbeats given up; the server expires it).
 */
type SessionStanding = 'held' | 'released' | 'dead' | 'lost';

interface LedgerSession {
  /** Every token the SDK got for it, oldest first. */
  tokens: string[];
  standing: SessionStanding;
  teardowns: number;
  /** A 2xx setup without a usable period: the SDK must tear it down and never show it. */
  malformed: boolean;
}

/** Follows every session a pipeline holds on the server, from its requests and its states. */
export interface SessionLedger {
  /** Pass as `options.transport`: records every request and answer of `inner`. */
  readonly transport: SsmTransport;
  readonly exchanges: readonly Exchange[];
  /** Every broken rule, in plain words, with the time it was seen. */
  readonly violations: string[];
  /** Feed every `session$` state. */
  observe(state: SsmState): void;
  inFlight(): readonly Exchange[];
  /** Sessions the SDK holds: set up and neither torn down nor dead nor let go. */
  held(): number;
  /**
   * Sessions let go without a teardown that worked: a teardown failed, heartbeats were given up,
   * or the server refused the token. The server may still hold them until they expire (a refusal
   * can be an injected fault that the server never saw).
   */
  lost(): number;
  /** Sessions the server granted. */
  granted(): number;
  /** Requests as `time call token` lines, like `requestLog` of the marble specs. */
  requestLog(): string[];
  /**
   * Checks what the server holds for this pipeline right now (sampled when it admits a session):
   * nothing the SDK does not know of or is not about to learn (a setup in flight), beyond the
   * sessions it let go after a failure; in sync mode, never two at once unless one was let go.
   */
  checkServer(live: number): void;
}

export interface SessionLedgerOptions {
  now: () => number;
  mode: 'async' | 'sync';
  tokenHeader?: string;
  /** How a token reads in {@link SessionLedger.requestLog}; default as it is. */
  nameToken?: (token: string) => string;
}

function parsed(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

const isOk = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

/**
 * A ledger of one pipeline's sessions. At every request it checks the rules that hold at any
 * moment, whatever the timing:
 *
 * - no abandoned session: at most one held session (the current one) has no request under way;
 *   every other one has its setup answer, a heartbeat or its teardown in flight;
 * - heartbeats and teardowns use the newest token of a session the SDK still holds, and each
 *   session is torn down at most once;
 * - sync: setup and teardown requests one at a time, and never a setup while a session is held;
 * - no request is aborted before its answer (a superseded setup is not abandoned).
 *
 * `observe` adds: an `active` state shows a session the server granted and the SDK still holds.
 */
export function sessionLedger(inner: SsmTransport, options: SessionLedgerOptions): SessionLedger {
  const header = (options.tokenHeader ?? 'nv-authorizations').toLowerCase();
  const exchanges: Exchange[] = [];
  const pending = new Set<Exchange>();
  const sessions: LedgerSession[] = [];
  const sessionOfToken = new Map<string, LedgerSession>();
  const violations: string[] = [];
  let shown: LedgerSession | undefined;

  const violate = (message: string) => violations.push(`at ${options.now()}: ${message}`);
  const busy = (session: LedgerSession) =>
    [...pending].some((exchange) => session.tokens.includes(exchange.token));
  const inFlightOf = (call: Exchange['call']) =>
    [...pending].filter((exchange) => exchange.call === call).length;
  const heldSessions = () => sessions.filter((session) => session.standing === 'held');
  const letGo = () =>
    sessions.filter((session) => session.standing === 'lost' || session.standing === 'dead').length;

  function checkSend(exchange: Exchange): void {
    if (exchange.call !== 'setup') {
      const session = sessionOfToken.get(exchange.token);
      if (!session) {
        violate(`${exchange.call} with a token no setup or heartbeat gave: ${exchange.token}`);
      } else if (session.standing !== 'held') {
        violate(`${exchange.call} ${exchange.token} for a session already ${session.standing}`);
      } else if (session.tokens.at(-1) !== exchange.token) {
        violate(`${exchange.call} with the rotated-out token ${exchange.token}`);
      }
      if (session && exchange.call === 'teardown') {
        session.teardowns += 1;
        if (session.teardowns > 1) violate(`a second teardown of ${session.tokens[0]}`);
      }
    }
    const idle = heldSessions().filter((session) => !busy(session));
    if (idle.length > 1) {
      const names = idle.map((session) => session.tokens.at(-1)).join(', ');
      violate(`sessions held with no request under way: ${names} (an abandoned session)`);
    }
    if (options.mode === 'sync') {
      const lane = inFlightOf('setup') + inFlightOf('teardown');
      if (lane > 1) violate(`sync: ${lane} setup/teardown requests in flight at once`);
      if (inFlightOf('setup') > 0 && heldSessions().length > 0) {
        violate('sync: a setup sent while a session is still held');
      }
    }
  }

  function recordAnswer(exchange: Exchange): void {
    const { call, status, body } = exchange;
    if (call === 'setup') {
      const token = field(body, 'sessionToken');
      if (!isOk(status) || typeof token !== 'string' || token === '') return;
      const heartbeat = field(body, 'heartbeat');
      const session: LedgerSession = {
        tokens: [token],
        standing: 'held',
        teardowns: 0,
        malformed: typeof heartbeat !== 'number' || !(heartbeat > 0),
      };
      sessions.push(session);
      sessionOfToken.set(token, session);
      return;
    }
    const session = sessionOfToken.get(exchange.token);
    if (!session) return;
    if (call === 'teardown') {
      if (session.standing === 'held') session.standing = isOk(status) ? 'released' : 'lost';
      return;
    }
    if (status !== undefined && status >= 400 && status < 500) {
      session.standing = 'dead';
      return;
    }
    const next = field(body, 'sessionToken');
    if (isOk(status) && typeof next === 'string' && next !== '') {
      session.tokens.push(next);
      sessionOfToken.set(next, session);
    }
  }

  const transport: SsmTransport = (request) =>
    defer(() => {
      const token =
        Object.entries(request.headers).find(([name]) => name.toLowerCase() === header)?.[1] ?? '';
      const exchange: Exchange = { call: request.call, token, sentAt: options.now() };
      exchanges.push(exchange);
      pending.add(exchange);
      checkSend(exchange);
      const answered = (response?: SsmResponse) => {
        exchange.answeredAt = options.now();
        if (response) {
          exchange.status = response.status;
          exchange.body = parsed(response.body);
        } else {
          exchange.noResponse = true;
        }
        pending.delete(exchange);
        recordAnswer(exchange);
      };
      return inner(request).pipe(
        tap({ next: (response) => answered(response), error: () => answered() }),
        finalize(() => {
          if (!pending.has(exchange)) return;
          pending.delete(exchange);
          exchange.noResponse = true;
          violate(`${exchange.call} ${token} aborted before its answer`);
        }),
      );
    });

  return {
    transport,
    exchanges,
    violations,
    observe(state) {
      if (state.status === 'active') {
        const session = sessionOfToken.get(state.sessionToken);
        if (!session) violate(`active with a token the server never gave: ${state.sessionToken}`);
        else if (session.standing !== 'held') {
          violate(`active with ${state.sessionToken}, a session already ${session.standing}`);
        } else if (session.malformed) {
          violate(`active with ${state.sessionToken}, granted without a usable heartbeat`);
        }
        shown = session;
      } else if (state.status === 'error' && state.error.kind === 'heartbeat') {
        // Heartbeats given up: the SDK makes no further request for that session.
        if (shown?.standing === 'held') shown.standing = 'lost';
      }
    },
    inFlight: () => [...pending],
    held: () => heldSessions().length,
    lost: letGo,
    granted: () => sessions.length,
    checkServer(live) {
      const lost = letGo();
      const known = heldSessions().length + inFlightOf('setup') + lost;
      if (live > known) {
        violate(`the server holds ${live} sessions; the SDK holds or awaits ${known}`);
      }
      if (options.mode === 'sync' && lost === 0 && live > 1) {
        violate(`sync: the server holds ${live} sessions of one pipeline at once`);
      }
    },
    requestLog: () =>
      exchanges.map((e) => {
        const token = options.nameToken ? options.nameToken(e.token) : e.token;
        return `${e.sentAt} ${e.call} ${token} → ${e.noResponse ? 'no response' : (e.status ?? '…')}`;
      }),
  };
}
