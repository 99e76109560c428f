// A JWKS URL is the operator's token service: it may be stopped, slow, answer far too much or
// redirect elsewhere. The server keeps the keys it holds, refuses what it cannot check with 1002,
// never waits past the deadline, never reads past the size cap and never trusts another host.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { createSsmServer, mintContentToken } from '../src/index.js';

type Mode =
  | { kind: 'keys'; keys: JWK[] }
  | { kind: 'slow' }
  | { kind: 'huge' }
  | { kind: 'redirect'; to: string; moved?: JWK[] };

/** A JWKS served on loopback whose answer the spec chooses, and that can be stopped and started. */
async function jwksHost(mode: Mode) {
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  let bytesSent = 0;
  const state = { mode };
  const server: Server = createServer((req, res) => {
    const current = state.mode;
    if (current.kind === 'keys') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: current.keys }));
    } else if (current.kind === 'redirect' && current.moved && req.url === '/moved.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: current.moved }));
    } else if (current.kind === 'redirect') {
      res.writeHead(302, { location: current.to }).end();
    } else if (current.kind === 'slow') {
      held.add(res); // answered never: the spec ends it
    } else {
      // 50 MB of a JWKS that never closes its array, written as fast as the reader takes it.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.write('{"keys":[');
      const pump = () => {
        while (bytesSent < 50 * 1024 * 1024) {
          bytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end(']}');
      };
      res.on('close', () => res.off('drain', pump));
      pump();
    }
    req.resume();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) =>
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      }),
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const res of held) res.destroy();
      held.clear();
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await start();
  return {
    url: (path = '/jwks.json') => `http://127.0.0.1:${port}${path}`,
    port: () => port,
    set(next: Mode) {
      state.mode = next;
    },
    bytesSent: () => bytesSent,
    start,
    stop,
  };
}

type Host = Awaited<ReturnType<typeof jwksHost>>;

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' } as JWK,
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Why each fetch of the URL failed, as the server logs it. */
const fetchFailures: string[] = [];

async function serverTrusting(host: Host) {
  fetchFailures.length = 0;
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void fetchFailures.push(JSON.parse(line).err) },
  );
  const spec = await startSpecServer({
    logger,
    jwksUrl: host.url(),
    jwksFetch: { timeoutMs: 300, maxBytes: 64 * 1024, cooldownMs: 30_000 },
  });
  cleanups.push(() => spec.server.close());
  return spec;
}

async function setupWith(spec: SpecServer, privateJwk: JWK) {
  const token = await mintContentToken({
    privateKey: privateJwk,
    accountId: `acct-${Math.random()}`,
    contentId: 'c',
    now: spec.now(),
  });
  return ssmCall(spec.base, 'setup', token);
}

const unknownKey = {
  status: 401,
  body: { errorCode: 1002, message: expect.stringContaining('unknown key') },
};

describe('a JWKS URL', () => {
  it('is fetched at start, and again (once per cooldown) for a token naming an unknown kid', async () => {
    const [k1, k2] = await Promise.all([keyPair('k1'), keyPair('k2')]);
    const host = await jwksHost({ kind: 'keys', keys: [k1.publicJwk] });
    cleanups.push(host.stop);
    const spec = await serverTrusting(host);
    expect((await setupWith(spec, k1.privateJwk)).status).toBe(200);
    host.set({ kind: 'keys', keys: [k1.publicJwk, k2.publicJwk] });
    // Within the cooldown of the start's fetch an unknown kid fetches nothing.
    expect(await setupWith(spec, k2.privateJwk)).toMatchObject(unknownKey);
    spec.advance(30_000);
    expect((await setupWith(spec, k2.privateJwk)).status).toBe(200);
    expect((await setupWith(spec, k1.privateJwk)).status).toBe(200);
  });

  it('whose server is stopped: the keys held stay in use, a new kid is 1002, and it recovers', async () => {
    const [k1, k2] = await Promise.all([keyPair('k1'), keyPair('k2')]);
    const host = await jwksHost({ kind: 'keys', keys: [k1.publicJwk] });
    cleanups.push(host.stop);
    const spec = await serverTrusting(host);
    await host.stop();
    spec.advance(30_000);
    expect(await setupWith(spec, k2.privateJwk)).toMatchObject(unknownKey);
    expect((await setupWith(spec, k1.privateJwk)).status).toBe(200);
    expect(fetchFailures).toEqual([expect.stringContaining('ECONNREFUSED')]);
    host.set({ kind: 'keys', keys: [k1.publicJwk, k2.publicJwk] });
    await host.start();
    spec.advance(30_000);
    expect((await setupWith(spec, k2.privateJwk)).status).toBe(200);
  });

  it('slowed past the deadline: the fetch is given up, the keys held stay in use', async () => {
    const [k1, k2] = await Promise.all([keyPair('k1'), keyPair('k2')]);
    const host = await jwksHost({ kind: 'keys', keys: [k1.publicJwk] });
    cleanups.push(host.stop);
    const spec = await serverTrusting(host);
    host.set({ kind: 'slow' });
    spec.advance(30_000);
    // The answer never comes: the setup is answered once the 300 ms deadline gives the fetch up.
    expect(await setupWith(spec, k2.privateJwk)).toMatchObject(unknownKey);
    expect((await setupWith(spec, k1.privateJwk)).status).toBe(200);
    expect(fetchFailures).toEqual([expect.stringContaining('no answer within 300 ms')]);
  });

  it('answering 50 MB: the body is cut at the size cap, the keys held stay in use', async () => {
    const [k1, k2] = await Promise.all([keyPair('k1'), keyPair('k2')]);
    const host = await jwksHost({ kind: 'keys', keys: [k1.publicJwk] });
    cleanups.push(host.stop);
    const spec = await serverTrusting(host);
    host.set({ kind: 'huge' });
    spec.advance(30_000);
    expect(await setupWith(spec, k2.privateJwk)).toMatchObject(unknownKey);
    expect((await setupWith(spec, k1.privateJwk)).status).toBe(200);
    expect(fetchFailures).toEqual([expect.stringContaining('larger than 65536 bytes')]);
    // The server hung up long before the 50 MB were written.
    expect(host.bytesSent()).toBeLessThan(50 * 1024 * 1024);
  });

  it('redirecting to another host is not followed; a redirect on the same host is', async () => {
    const [k1, rogue, k3] = await Promise.all([keyPair('k1'), keyPair('rogue'), keyPair('k3')]);
    const host = await jwksHost({ kind: 'keys', keys: [k1.publicJwk] });
    cleanups.push(host.stop);
    const elsewhere = await jwksHost({ kind: 'keys', keys: [rogue.publicJwk, k1.publicJwk] });
    cleanups.push(elsewhere.stop);
    const spec = await serverTrusting(host);
    host.set({ kind: 'redirect', to: elsewhere.url() });
    spec.advance(30_000);
    expect(await setupWith(spec, rogue.privateJwk)).toMatchObject(unknownKey);
    // `localhost` is another host than `127.0.0.1` too, even on the same port.
    host.set({ kind: 'redirect', to: `http://localhost:${host.port()}/moved.json` });
    spec.advance(30_000);
    expect(await setupWith(spec, rogue.privateJwk)).toMatchObject(unknownKey);
    expect((await setupWith(spec, k1.privateJwk)).status).toBe(200);
    expect(fetchFailures).toEqual([
      expect.stringContaining('redirected to another host'),
      expect.stringContaining('redirected to another host (localhost'),
    ]);
    // The same host's redirect is followed, to the set the host serves there.
    host.set({ kind: 'redirect', to: '/moved.json', moved: [k1.publicJwk, k3.publicJwk] });
    spec.advance(30_000);
    expect((await setupWith(spec, k3.privateJwk)).status).toBe(200);
  });

  it('must be https, or http to loopback only', () => {
    expect(() =>
      createSsmServer({ logger: false, jwksUrl: 'http://keys.example.com/jwks.json' }),
    ).toThrow(/plain http only to a loopback address/);
    expect(() => createSsmServer({ logger: false, jwksUrl: 'ftp://127.0.0.1/jwks.json' })).toThrow(
      TypeError,
    );
    expect(() => createSsmServer({ logger: false, jwksUrl: 'not a url' })).toThrow(/not a URL/);
  });
});
