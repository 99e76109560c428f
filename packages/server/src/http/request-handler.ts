import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { accountSessionCalls } from '../calls/account-sessions.js';
import { type ClearKey, clearKeyLicense } from '../calls/clearkey-license.js';
import { idempotencyKeyOf, type SessionContext, sessionCalls } from '../calls/session-calls.js';
import { widevineRenewal } from '../calls/widevine-renewal.js';
import { StoreUnavailableError } from '../stores/store.js';
import { type CorsOption, corsHeaders } from './cors.js';
import { debugLog } from './logger.js';
import { countRefusal, prometheusText } from './metrics.js';
import { readJsonBody } from './request-body.js';
import { allowedMethods, type Route, routeOf } from './routes.js';
import {
  internalError,
  SsmHttpError,
  SsmServerErrorCode,
  storeUnavailable,
} from './ssm-http-error.js';

/** What the request handler needs beyond the session context. */
export interface HandlerContext extends SessionContext {
  tokenHeader: string;
  cors: CorsOption;
  clearKeys: Record<string, ClearKey[]>;
  responseDelayMs: number;
  log?: Logger | undefined;
}

interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** What to undo when the client is gone before the answer can be sent. */
  undelivered?: () => Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The node:http request handler of the SSM server. */
export function requestHandler(context: HandlerContext) {
  const { tokenHeader, cors, responseDelayMs, metrics, store, clock, log } = context;
  const calls = sessionCalls(context);
  const account = accountSessionCalls(context);
  const license = clearKeyLicense(context, context.clearKeys);
  const renewalWv = widevineRenewal(context, context.clearKeys);

  function tokenOf(req: IncomingMessage): string | undefined {
    return headerOf(req, tokenHeader);
  }

  async function replyTo(route: Route | undefined, req: IncomingMessage): Promise<Reply> {
    if (!route) throw new SsmHttpError(404, SsmServerErrorCode.BadRequest, 'unknown path');
    if (req.method === 'OPTIONS') return { status: 204 };
    const allowed = allowedMethods[route.name];
    if (!allowed.includes(req.method ?? '')) {
      throw new SsmHttpError(
        405,
        SsmServerErrorCode.BadRequest,
        `method not allowed, use ${allowed.join(' or ')}`,
        { Allow: [...allowed, 'OPTIONS'].join(', ') },
      );
    }
    switch (route.name) {
      case 'session': {
        const body = await readJsonBody(req);
        if (route.call !== 'setup')
          return { status: 200, body: await calls[route.call](tokenOf(req)) };
        const idempotencyKey = idempotencyKeyOf(headerOf(req, 'idempotency-key'));
        const { answer, admitted } = await calls.setup(tokenOf(req), idempotencyKey, body);
        // A repeat's session is the first call's, whose client may well hold it: it stays.
        return {
          status: 200,
          body: answer,
          ...(admitted && { undelivered: () => calls.undelivered(admitted) }),
        };
      }
      case 'account-sessions': {
        const deviceId = headerOf(req, 'x-ssm-device-id');
        return { status: 200, body: await account.list(tokenOf(req), deviceId) };
      }
      case 'session-stop': {
        const body = await readJsonBody(req);
        return { status: 200, body: await account.stop(tokenOf(req), body) };
      }
      case 'license': {
        const body = await readJsonBody(req);
        return { status: 200, body: await license(tokenOf(req), body, route.renew) };
      }
      case 'renewal-license-wv': {
        const body = await readJsonBody(req);
        return { status: 200, body: await renewalWv(tokenOf(req), body) };
      }
      case 'healthz': {
        await store.ping();
        return { status: 200, body: { status: 'ok' } };
      }
      case 'metrics':
        return { status: 200, body: await metricsText(), contentType: PROMETHEUS_TYPE };
    }
  }

  /** Costs the same however many sessions there are: the store keeps the live count cheap. */
  async function metricsText(): Promise<string> {
    try {
      const { expired, live } = await store.live(clock());
      metrics.expiries += expired;
      return prometheusText(metrics, live);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return prometheusText(metrics, undefined);
    }
  }

  /** The refusal an error answers as; anything unexpected is logged and answered 500. */
  function refusalOf(error: unknown): SsmHttpError {
    if (error instanceof SsmHttpError) return error;
    if (error instanceof StoreUnavailableError) {
      // Debug only: a store reports its own outages once, not once per request.
      log?.debug({ err: error.message }, 'session store unavailable');
      return storeUnavailable();
    }
    log?.error({ err: error }, 'request failed');
    return internalError();
  }

  function refusalReply(error: unknown): Reply {
    const refusal = refusalOf(error);
    countRefusal(metrics, refusal.errorCode);
    return { status: refusal.status, body: refusal.body, headers: refusal.headers };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = log ? performance.now() : 0;
    const route = routeOf(req.url);
    let reply: Reply;
    try {
      reply = await replyTo(route, req);
    } catch (error) {
      reply = refusalReply(error);
    }
    const emulatesRtt =
      route?.name === 'session' ||
      route?.name === 'account-sessions' ||
      route?.name === 'session-stop' ||
      route?.name === 'license' ||
      route?.name === 'renewal-license-wv';
    if (emulatesRtt && responseDelayMs > 0) await delay(responseDelayMs);
    // A client that went away while its setup ran (a closed page, an aborted request, a
    // deadline passed) never gets the token: the session ends now, not at its expiry.
    if (reply.undelivered && (res.destroyed || req.socket.destroyed)) {
      await reply.undelivered().catch((error: unknown) => {
        // The store is unreachable: the session expires as it would have.
        log?.debug({ err: String(error) }, 'undelivered setup left to expire');
      });
    }
    send(res, reply, corsHeaders(cors, tokenHeader, req.headers.origin));
    debugLog(log)?.debug(
      {
        method: req.method,
        route: route?.name,
        call: route?.name === 'session' ? route.call : undefined,
        status: reply.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      log?.error({ err: error }, 'response failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Even this answer says what it is, as every refusal does: clients read the body first.
      const { status, body } = internalError();
      const text = JSON.stringify(body);
      res
        .writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) })
        .end(text);
    });
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Writes the answer: status, headers and body in one `writeHead` and one `end`, which node:http
 * sends as one write. No header is set on `res` before, so `writeHead` takes its headers as they
 * are instead of merging them one by one.
 */
function send(
  res: ServerResponse,
  reply: Reply,
  cors: Readonly<Record<string, string>> | undefined,
): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  if (cors) Object.assign(headers, cors);
  if (reply.headers) Object.assign(headers, reply.headers);
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  headers['Content-Type'] = reply.contentType ?? JSON_TYPE;
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(reply.status, headers).end(text);
}
