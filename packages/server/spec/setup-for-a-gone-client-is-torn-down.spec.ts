// Regression: a session set up for a client that was gone before its answer went out (a page
// closed during setup, a request aborted or past its deadline) held its slot until it expired,
// though nobody could ever hold its token: an account at its limit was refused meanwhile. The
// server now tears such a session down at once. The repeat of a setup (same Idempotency-Key) is
// the first call's session, whose client may hold it: that one stays.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyStore } from '../../../spec/support/every-store.js';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { SPEC_SECRET } from '../../../spec/support/ssm-server.js';
import { createSsmServer, mintContentToken, type SsmServer, type SsmStore } from '../src/index.js';

/** A promise and what settles it. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe.each(everyStore('undelivered:'))(
  'a setup whose client is gone, on the %s store',
  (_name, open) => {
    let store: SsmStore;
    let ssm: SsmServer;
    let http: Server;
    let origin: string;
    /** The server's side of the newest connection. */
    let serverSide: Socket | undefined;
    /** When set, admissions wait at it: `reached` once one does, until `opened` settles. */
    let gate: { reached: Deferred<void>; opened: Deferred<void> } | undefined;
    /** Settled by the log line the handler writes once it has answered a setup, or not. */
    let handled = deferred<number>();

    beforeAll(async () => {
      store = open();
      const gated = new Proxy(store, {
        get(target, key, receiver) {
          if (key === 'admit') {
            return async (...args: Parameters<SsmStore['admit']>) => {
              if (gate) {
                gate.reached.resolve();
                await gate.opened.promise;
              }
              return target.admit(...args);
            };
          }
          const value = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const logger = pino(
        { level: 'debug' },
        {
          write(line: string) {
            const entry = JSON.parse(line) as { msg: string; call?: string; status?: number };
            if (entry.msg === 'request' && entry.call === 'setup')
              handled.resolve(entry.status ?? 0);
          },
        },
      );
      ssm = createSsmServer({ store: gated, secret: SPEC_SECRET, logger, sweepIntervalMs: false });
      // The server's handler in an app's own node:http server, as the docs show for embedding it.
      http = createServer(ssm.handler);
      http.on('connection', (socket: Socket) => {
        serverSide = socket;
      });
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      http?.closeAllConnections();
      await new Promise((done) => http?.close(done));
      await ssm?.close();
      await store?.close();
    });

    let accounts = 0;
    async function account(): Promise<{ accountId: string; contentToken: string }> {
      accounts += 1;
      const accountId = `undelivered-${accounts}`;
      const contentToken = await mintContentToken({
        secret: SPEC_SECRET,
        accountId,
        contentId: 'channel-1',
        maxSessions: 1,
      });
      return { accountId, contentToken };
    }

    /**
     * Sends a setup on a connection of its own and closes that connection once the server is
     * admitting it, before the store answers; resolves when the server has handled it.
     */
    async function setupThenHangUp(contentToken: string, idempotencyKey?: string): Promise<void> {
      gate = { reached: deferred(), opened: deferred() };
      handled = deferred<number>();
      const client = connect(Number(new URL(origin).port), '127.0.0.1');
      await once(client, 'connect');
      const body = '{}';
      client.write(
        [
          'POST /v1/sessions/setup HTTP/1.1',
          `Host: ${new URL(origin).host}`,
          'Content-Type: application/json',
          `nv-authorizations: ${contentToken}`,
          ...(idempotencyKey ? [`Idempotency-Key: ${idempotencyKey}`] : []),
          `Content-Length: ${body.length}`,
          '',
          body,
        ].join('\r\n'),
      );
      await gate.reached.promise;
      const side = serverSide as Socket;
      client.destroy();
      if (!side.destroyed) await once(side, 'close');
      const { opened } = gate;
      gate = undefined;
      opened.resolve();
      await handled.promise;
    }

    it('tears the session down at once: the account can set up again', async () => {
      const { accountId, contentToken } = await account();
      await setupThenHangUp(contentToken);
      expect(await ssm.liveSessions(accountId)).toBe(0);
      // The account's one slot is free: another device sets up.
      expect((await ssmCall(`${origin}/v1`, 'setup', contentToken)).status).toBe(200);
      const metrics = String((await request(`${origin}/metrics`)).body);
      expect(metrics).toMatch(/^rx_ssm_undelivered_setups_total [1-9]\d*$/m);
    });

    it('keeps a session whose answer went out', async () => {
      const { accountId, contentToken } = await account();
      handled = deferred<number>();
      const setup = await ssmCall(`${origin}/v1`, 'setup', contentToken);
      expect(setup.status).toBe(200);
      expect(await handled.promise).toBe(200);
      expect(await ssm.liveSessions(accountId)).toBe(1);
    });

    it('keeps the first session when the repeat of its setup finds the client gone', async () => {
      const { accountId, contentToken } = await account();
      const first = await request(`${origin}/v1/sessions/setup`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'nv-authorizations': contentToken,
          'Idempotency-Key': 'the-same-setup',
        },
        body: '{}',
      });
      expect(first.status).toBe(200);
      await setupThenHangUp(contentToken, 'the-same-setup');
      expect(await ssm.liveSessions(accountId)).toBe(1);
      const { sessionToken } = first.body as { sessionToken: string };
      expect((await ssmCall(`${origin}/v1`, 'heartbeat', sessionToken)).status).toBe(200);
    });
  },
);
