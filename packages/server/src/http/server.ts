import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { DEFAULT_TOKEN_HEADER } from 'rx-ssm';
import type { ClearKey } from '../calls/clearkey-license.js';
import type { LicenceTokenPolicy } from '../calls/session-calls.js';
import { memoryStore } from '../stores/memory/memory-store.js';
import type { SsmStore } from '../stores/store.js';
import { DEV_SECRET } from '../tokens/content-token.js';
import type { ClaimChecks } from '../tokens/public-key-verify.js';
import { type PublicKeyOptions, publicKeysOf } from '../tokens/public-keys.js';
import type { CorsOption } from './cors.js';
import { serverLogger } from './logger.js';
import { countRefusal, ssmMetrics } from './metrics.js';
import { requestHandler } from './request-handler.js';
import { SsmServerErrorCode } from './ssm-http-error.js';

/**
 * Options of {@link createSsmServer}. Content tokens are trusted from any combination of key
 * sources: `secret`/`keys` (HS256) and `jwks`, `jwksFile`, `jwksUrl` (RS256, PS256, ES256,
 * EdDSA); `issuer`, `audience` and `clockSkewSeconds` are checked on every token.
 */
export interface SsmServerOptions extends PublicKeyOptions, ClaimChecks {
  /** HS256 secret that verifies content tokens; default {@link DEV_SECRET}, with a warning. */
  secret?: string;
  /** `kid` → secret, for several signing keys; a token's `kid` header picks one. */
  keys?: Record<string, string>;
  /** Leeway on a token's `exp` and `nbf` in seconds, for clocks that differ; default 30. */
  clockSkewSeconds?: number;
  /** Where sessions live; default a {@link memoryStore} owned (and closed) by the server. */
  store?: SsmStore;
  /** Renewal period returned by setup, in seconds, default 5. Sessions expire after twice this. */
  heartbeatSeconds?: number;
  /** Ms since the epoch; default `Date.now`. Inject one to move time in tests. */
  clock?: () => number;
  /** CORS for browsers: `true` (default) reflects any origin, a list allows those origins only. */
  cors?: CorsOption;
  /** ClearKey keys by `contentId`, served by `POST /license/clearkey`. */
  clearKeys?: Record<string, ClearKey[]>;
  /** Structured logs (tokens are redacted and never logged); `false` for none. */
  logger?: Logger | false;
  /** Fixed delay before every SSM and licence response, to emulate a round trip. */
  responseDelayMs?: number;
  /** Header that carries the tokens, default `nv-authorizations`. */
  tokenHeader?: string;
  /** Period of the background sweep of expired sessions in ms, default the heartbeat; `false`: none. */
  sweepIntervalMs?: number | false;
  /** A request must arrive whole within this many ms, else 408 and the connection is closed; default 10,000. */
  requestTimeoutMs?: number;
  /** A request's headers must arrive within this many ms (at most `requestTimeoutMs`); default 5,000. */
  headersTimeoutMs?: number;
  /**
   * What a licence renewal of an enforced session does to its token: `rotate` (default) answers a
   * new one each time; `stable` keeps it and extends the session, for a fleet whose clients do
   * not adopt the token of a renewal answer (FairPlay clients that keep the token they had).
   * Heartbeats rotate in either. See docs/wire-protocol.md, "Clients of the fleet".
   */
  licenceTokens?: LicenceTokenPolicy;
  /**
   * A new session's first expiry is the greater of two periods and this many seconds, so that a
   * client that starts renewing only after its first licence answer keeps it; default
   * {@link FIRST_EXPIRY_FLOOR_SECONDS}. Every renewal then extends the session by two periods.
   */
  firstExpiryFloorSeconds?: number;
  /**
   * The shortest heartbeat period accepted, in seconds, default 1: the protocol's floor. Lower it
   * only to run specs in fast real time; it must be above 0.
   */
  minHeartbeatSeconds?: number;
}

/** A running (or ready to run) reference SSM server. */
export interface SsmServer {
  /** Listens on `port` (0, the default, picks a free one) and `host` (default 127.0.0.1); resolves the origin. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening, ends open connections and closes the store if the server created it. */
  close(): Promise<void>;
  /** The origin, e.g. `http://127.0.0.1:41234`; throws before {@link SsmServer.listen}. */
  readonly url: string;
  /** Live sessions holding a slot of the account. */
  liveSessions(accountId: string): Promise<number>;
  /**
   * Re-reads `jwksFile` and fetches `jwksUrl` now (the CLI does it on SIGHUP): tokens of a key
   * removed are refused from then on. A source that fails keeps its keys: a file rejects this,
   * a URL only logs a warning.
   */
  reloadKeys(): Promise<void>;
  /** The key sources in force (never a key): `--secret`, `--jwks-file PATH`, …, for a banner. */
  readonly keySources: readonly string[];
  /** The node:http handler, to mount the server in another `http.Server`. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The default floor of a new session's first lifetime, in seconds: room for a slow first licence. */
export const FIRST_EXPIRY_FLOOR_SECONDS = 10;

/** How long open requests may finish after {@link SsmServer.close} before they are cut. */
const CLOSE_GRACE_MS = 1000;

/** The longest heartbeat period, in seconds (one day), as the wire protocol bounds it. */
export const MAX_HEARTBEAT_SECONDS = 86_400;

/**
 * Node checks request and header timeouts only every `connectionsCheckingInterval` (30 s by
 * default), so a slow client would hold its connection up to 30 s past its timeout. Checking four
 * times per header timeout (at most every second) drops it within a quarter of that.
 */
function connectionsCheckingInterval(headersTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(headersTimeoutMs / 4)));
}

/**
 * Creates the reference SSM server: `POST …/v1/sessions/{setup,heartbeat,teardown,stop}`,
 * `GET …/v1/sessions` and `POST …/v1/renewal-license-wv` under any prefix,
 * `POST /license/clearkey`, `GET /healthz` and `GET /metrics`, as the wire protocol describes.
 */
export function createSsmServer(options: SsmServerOptions = {}): SsmServer {
  const tokenHeader = (options.tokenHeader ?? DEFAULT_TOKEN_HEADER).toLowerCase();
  const heartbeatSeconds = options.heartbeatSeconds ?? 5;
  const minHeartbeatSeconds = options.minHeartbeatSeconds ?? 1;
  if (!(minHeartbeatSeconds > 0)) {
    throw new RangeError(`minHeartbeatSeconds must be above 0, got ${minHeartbeatSeconds}`);
  }
  if (!(heartbeatSeconds >= minHeartbeatSeconds && heartbeatSeconds <= MAX_HEARTBEAT_SECONDS)) {
    throw new RangeError(
      `heartbeatSeconds must be from ${minHeartbeatSeconds} to ${MAX_HEARTBEAT_SECONDS}, got ${heartbeatSeconds}`,
    );
  }
  const licenceTokens = options.licenceTokens ?? 'rotate';
  if (licenceTokens !== 'rotate' && licenceTokens !== 'stable') {
    throw new RangeError(
      `licenceTokens must be 'rotate' or 'stable', got ${String(licenceTokens)}`,
    );
  }
  const firstExpiryFloorSeconds = options.firstExpiryFloorSeconds ?? FIRST_EXPIRY_FLOOR_SECONDS;
  if (!(firstExpiryFloorSeconds >= 0 && firstExpiryFloorSeconds <= MAX_HEARTBEAT_SECONDS * 2)) {
    throw new RangeError(
      `firstExpiryFloorSeconds must be from 0 to ${MAX_HEARTBEAT_SECONDS * 2}, got ${firstExpiryFloorSeconds}`,
    );
  }
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const headersTimeout = options.headersTimeoutMs ?? Math.min(5_000, requestTimeout);
  if (!(headersTimeout > 0 && requestTimeout >= headersTimeout)) {
    throw new RangeError('headersTimeoutMs must be above 0 and at most requestTimeoutMs');
  }
  const log = serverLogger(options.logger, tokenHeader);
  const clock = options.clock ?? Date.now;
  const store = options.store ?? memoryStore({ clock });
  const publicKeys = publicKeysOf(options, clock, log);
  const secret = options.secret ?? (options.keys || publicKeys ? undefined : DEV_SECRET);
  if (secret === DEV_SECRET) {
    log?.warn(
      'no secret configured: content tokens are verified with the public development secret',
    );
  }
  const metrics = ssmMetrics();
  const handler = requestHandler({
    store,
    signing: {
      ...(secret !== undefined && { secret }),
      ...(options.keys && { keys: options.keys }),
      ...(publicKeys && { publicKeys }),
      ...(options.issuer !== undefined && { issuer: options.issuer }),
      ...(options.audience !== undefined && { audience: options.audience }),
      clockSkewSeconds: options.clockSkewSeconds ?? 30,
    },
    clock,
    heartbeatSeconds,
    licenceTokens,
    firstExpiryFloorMs: firstExpiryFloorSeconds * 1000,
    metrics,
    log,
    tokenHeader,
    cors: options.cors ?? true,
    clearKeys: options.clearKeys ?? {},
    responseDelayMs: options.responseDelayMs ?? 0,
  });
  const http = createServer(
    {
      requestTimeout,
      headersTimeout,
      connectionsCheckingInterval: connectionsCheckingInterval(headersTimeout),
    },
    handler,
  );
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (answerClientError(error, socket)) countRefusal(metrics, SsmServerErrorCode.BadRequest);
  });
  // Node answers an Expect other than 100-continue itself, with an empty 417: say why, as the
  // protocol does for every refusal.
  http.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    countRefusal(metrics, SsmServerErrorCode.BadRequest);
    const body = JSON.stringify({
      errorCode: SsmServerErrorCode.BadRequest,
      message: 'unsupported Expect header (only 100-continue is supported)',
    });
    res
      .writeHead(417, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      })
      .end(body);
  });

  let origin: string | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  const sweepIntervalMs = options.sweepIntervalMs ?? heartbeatSeconds * 1000;

  function sweep(): void {
    store.sweep(clock()).then(
      ({ expired }) => {
        metrics.expiries += expired;
      },
      (error: unknown) => log?.debug({ err: String(error) }, 'sweep skipped'),
    );
  }

  async function shutdown(): Promise<void> {
    clearInterval(sweeper);
    if (http.listening) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const cut = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS).unref();
      await closed;
      clearTimeout(cut);
    }
    if (!options.store) await store.close();
    log?.info('SSM server closed');
  }

  return {
    handler,
    get url() {
      if (!origin) throw new Error('the SSM server is not listening: call listen() first');
      return origin;
    },
    async listen(port = 0, host = '127.0.0.1') {
      await store.ready?.();
      await publicKeys?.ready;
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      origin = originOf(http.address() as AddressInfo);
      if (sweepIntervalMs !== false) sweeper = setInterval(sweep, sweepIntervalMs).unref();
      log?.info({ url: origin, heartbeatSeconds, licenceTokens }, 'SSM server listening');
      return origin;
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
    liveSessions: (accountId) => store.count(accountId, clock()),
    reloadKeys: async () => publicKeys?.reload(),
    keySources: [
      ...(secret === DEV_SECRET ? ['development secret'] : []),
      ...(secret !== undefined && secret !== DEV_SECRET ? ['secret (HS256)'] : []),
      ...(options.keys ? [`keys (HS256): ${Object.keys(options.keys).join(', ')}`] : []),
      ...(publicKeys?.sources ?? []),
    ],
  };
}

/** The origin clients reach a listening address at; a wildcard address maps to loopback. */
function originOf({ address, family, port }: AddressInfo): string {
  const wildcard: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1' };
  const host = wildcard[address] ?? address;
  return `http://${family === 'IPv6' ? `[${host}]` : host}:${port}`;
}

const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * Answers a request Node could not parse (bad header bytes such as a bare CR, oversized headers,
 * a timeout) with the protocol's error body instead of Node's empty 400. False when the client
 * is gone and nothing could be answered.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): boolean {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return false;
  }
  const [status, reason] = CLIENT_ERROR_STATUS[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({
    errorCode: SsmServerErrorCode.BadRequest,
    message: status === 400 ? 'malformed HTTP request' : reason.toLowerCase(),
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return true;
}
