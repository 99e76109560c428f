import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import {
  type ClearKey,
  createSsmServer,
  type LicenceTokenPolicy,
  mintContentToken,
  type SsmServer,
} from 'rx-ssm-server';
import { bundlePage } from './page-bundle.js';
import { serveFile } from './static-files.js';

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Port to listen on; default 0 (a free one). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Heartbeat period the SSM server grants, in seconds; default 5. */
  heartbeatSeconds?: number;
  /** Delay before every SSM and licence answer, to feel a real round trip; default 0. */
  responseDelayMs?: number;
  /** What the SSM server's licence renewals do to the session token; default `rotate`. */
  licenceTokens?: LicenceTokenPolicy;
  /** SSM server logs; default none. */
  logger?: Logger | false;
  /** The repository root (holds `docs/demo`); default found from this module's location. */
  root?: string;
}

/** A running demo: the page, its media, content tokens and the reference SSM server. */
export interface Demo {
  /** The page, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** `{origin}/ssm`: the `ssmServerUrl` of the demo's content. */
  ssmServerUrl: string;
  /** The reference SSM server inside the demo. */
  ssm: SsmServer;
  /** Live sessions holding a slot of the account. */
  liveSessions(accountId: string): Promise<number>;
  /** Mints a content token the demo's SSM server accepts (DRM enforcement for channel-3). */
  contentToken(options: {
    accountId: string;
    contentId: string;
    maxSessions?: number;
  }): Promise<string>;
  close(): Promise<void>;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Channels in DRM enforcement mode (their content tokens say `drmEnforced`): each licence request
 * renews the session and its answer carries the next session token. Each plays the media and keys
 * of a packaged channel under its own content id.
 */
const ENFORCED_CHANNELS: Readonly<Record<string, string>> = { 'channel-3': 'channel-1' };

/**
 * Starts the demo: one HTTP server with the page (`/`, its script bundled from
 * `docs/demo/app.ts` at start-up), the ClearKey-encrypted channels (`/media/…`: DASH for Shaka
 * Player, `manifest-dashjs.mpd` for dash.js, `master.m3u8` for hls.js; channel-3 plays
 * channel-1's media in DRM enforcement mode, renewed by its licence requests), content tokens
 * (`GET /demo/token?channel=&account=&maxSessions=`), the live-session count of an account
 * (`GET /demo/live?account=`) and the reference SSM server (`/ssm/v1/sessions/…`,
 * `POST /license/clearkey`, `/metrics`, `/healthz`).
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const root = options.root ?? repositoryRoot();
  const demoDir = join(root, 'docs', 'demo');
  const mediaDir = join(demoDir, 'media');
  const packaged = JSON.parse(await readFile(join(mediaDir, 'keys.json'), 'utf8')) as Record<
    string,
    ClearKey[]
  >;
  const clearKeys: Record<string, ClearKey[]> = { ...packaged };
  for (const [channel, mediaOf] of Object.entries(ENFORCED_CHANNELS)) {
    const keys = packaged[mediaOf];
    if (keys) clearKeys[channel] = keys;
  }
  const channels = Object.keys(clearKeys);
  // Tokens are minted by this process only: a fresh secret per run.
  const secret = randomBytes(32).toString('base64url');
  const ssm = createSsmServer({
    secret,
    clearKeys: Object.fromEntries(
      Object.entries(clearKeys).map(([channel, keys]) => [
        channel,
        keys.map(({ kid, k }) => ({ kid, k })),
      ]),
    ),
    heartbeatSeconds: options.heartbeatSeconds ?? 5,
    responseDelayMs: options.responseDelayMs ?? 0,
    ...(options.licenceTokens && { licenceTokens: options.licenceTokens }),
    logger: options.logger ?? false,
    cors: false,
  });
  const [page, bundle] = await Promise.all([
    readFile(join(demoDir, 'index.html'), 'utf8'),
    bundlePage(join(demoDir, 'app.ts')),
  ]);
  const contentToken: Demo['contentToken'] = ({ accountId, contentId, maxSessions = 1 }) =>
    mintContentToken({
      secret,
      accountId,
      contentId,
      maxSessions,
      ...(Object.hasOwn(ENFORCED_CHANNELS, contentId) && { drmEnforced: true }),
    });

  async function demoRoute(url: URL, res: ServerResponse): Promise<boolean> {
    const query = url.searchParams;
    switch (url.pathname) {
      case '/':
      case '/index.html':
        send(res, 200, 'text/html; charset=utf-8', page);
        return true;
      case '/app.js':
        send(res, 200, 'text/javascript; charset=utf-8', bundle.script);
        return true;
      case '/app.js.map':
        send(res, 200, 'application/json; charset=utf-8', bundle.sourceMap);
        return true;
      case '/demo/token': {
        const channel = query.get('channel') ?? '';
        const accountId = query.get('account') ?? '';
        const maxSessions = Number(query.get('maxSessions') ?? '1');
        if (!channels.includes(channel) || !ID.test(accountId) || !isLimit(maxSessions)) {
          sendJson(res, 400, {
            message: `channel must be one of ${channels.join(', ')}, account ${ID}, maxSessions 0..100`,
          });
          return true;
        }
        const token = await contentToken({ accountId, contentId: channel, maxSessions });
        send(res, 200, 'text/plain; charset=utf-8', token);
        return true;
      }
      case '/demo/live': {
        const accountId = query.get('account') ?? '';
        if (!ID.test(accountId)) {
          sendJson(res, 400, { message: `account must match ${ID}` });
          return true;
        }
        sendJson(res, 200, { account: accountId, liveSessions: await ssm.liveSessions(accountId) });
        return true;
      }
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (isRead && url.pathname.startsWith('/media/')) {
      await serveFile(
        mediaDir,
        mediaPath(decodeURIComponent(url.pathname.slice('/media'.length))),
        req,
        res,
      );
      return;
    }
    if (isRead && (await demoRoute(url, res))) return;
    ssm.handler(req, res);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((ready, fail) => {
    http.once('error', fail);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      http.off('error', fail);
      ready();
    });
  });
  const { address, port, family } = http.address() as AddressInfo;
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  const origin = `http://${family === 'IPv6' ? `[${host}]` : host}:${port}`;

  return {
    url: `${origin}/`,
    ssmServerUrl: `${origin}/ssm`,
    ssm,
    liveSessions: (accountId) => ssm.liveSessions(accountId),
    contentToken,
    async close() {
      await new Promise<void>((closed) => {
        http.close(() => closed());
        http.closeAllConnections();
      });
      await ssm.close();
    },
  };
}

/** A media path with an enforced channel's folder replaced by the packaged channel it plays. */
function mediaPath(path: string): string {
  const [, channel = '', rest = ''] = /^\/([^/]+)(\/.*)?$/.exec(path) ?? [];
  return Object.hasOwn(ENFORCED_CHANNELS, channel) ? `/${ENFORCED_CHANNELS[channel]}${rest}` : path;
}

function isLimit(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 100;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res
    .writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    })
    .end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** The nearest directory above this module that holds `docs/demo` (source or bundled). */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docs', 'demo', 'media', 'keys.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir)
      throw new Error('startDemo: no docs/demo/media above this module; pass root');
    dir = parent;
  }
  return dir;
}
