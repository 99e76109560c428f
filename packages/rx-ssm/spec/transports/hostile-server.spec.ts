import { gzipSync } from 'node:zlib';
import axios from 'axios';
import { firstValueFrom, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Attack,
  answer,
  endlessBody,
  gzipBody,
  type HostileServer,
  hostileServer,
  redirectTo,
  trickleBody,
  trickleHead,
} from '../../../../spec/support/hostile-server.js';
import { axiosTransport } from '../../src/transports/axios.js';
import { fetchTransport } from '../../src/transports/fetch.js';
import { TransportError } from '../../src/transports/transport-error.js';
import type { SsmRequest, SsmResponse, SsmTransport } from '../../src/types.js';

const TOKEN = 'ct-secret-a';
let attacks: Record<string, Attack>;
let hostile: HostileServer;
let elsewhere: HostileServer;

beforeAll(async () => {
  elsewhere = await hostileServer(() => answer(200, '{"sessionToken":"STOLEN","heartbeat":5}'));
  attacks = {
    // One byte every 100 ms: never idle long enough for an idle timeout of 300 ms to fire.
    'trickle-head': trickleHead(100),
    'trickle-body': trickleBody(100),
    endless: endlessBody(),
    'huge-length': endlessBody({ contentLength: 1_500_000_000 }),
    'exact-length': answer(200, 'a'.repeat(1000), { 'Content-Length': 1000 }),
    'exact-chunked': answer(200, 'a'.repeat(1000)),
    'over-length': answer(200, 'a'.repeat(1001), { 'Content-Length': 1001 }),
    'over-chunked': answer(200, 'a'.repeat(1001)),
    // 64 MiB of zeros inflate from about 64 KiB on the wire.
    'gzip-bomb': gzipBody(gzipSync(Buffer.alloc(64 * 1024 * 1024))),
    'redirect-307': redirectTo(307, `${elsewhere.url}/ssm/v1/sessions/setup`),
    'redirect-302': redirectTo(302, `${elsewhere.url}/ssm/v1/sessions/setup`),
  };
  hostile = await hostileServer((url) => attacks[url.split('/')[1] ?? ''] ?? answer(404, '{}'));
});
afterAll(async () => {
  await hostile.close();
  await elsewhere.close();
});

const request = (attack: string, headers: Record<string, string> = {}): SsmRequest => ({
  call: 'setup',
  url: `${hostile.url}/${attack}/v1/sessions/setup`,
  headers: {
    Accept: 'application/json',
    'Content-Type': 'application/json; charset=utf-8',
    'nv-authorizations': TOKEN,
    ...headers,
  },
  body: '{}',
});

/** The response, or the error, of one call. */
function outcome(call: Observable<SsmResponse>): Promise<SsmResponse | Error> {
  return firstValueFrom(call).catch((error: Error) => error);
}

/** The exchange the hostile server recorded for the latest request. */
const latest = () => hostile.exchanges.at(-1);

type Options = { timeoutMs?: number; maxResponseBytes?: number };
const transports: [string, (options?: Options) => SsmTransport][] = [
  ['axiosTransport', (options) => axiosTransport(axios, options)],
  ['fetchTransport', (options) => fetchTransport(options)],
];

describe.each(transports)('%s against a hostile server', (_name, make) => {
  describe('one deadline for the whole call', () => {
    it.each([
      ['whose head trickles in', 'trickle-head'],
      ['whose body trickles in after a complete head', 'trickle-body'],
    ])('ends a call %s at timeoutMs and closes the connection', async (_case, attack) => {
      const result = await outcome(make({ timeoutMs: 300 })(request(attack)));
      expect(result).toBeInstanceOf(TransportError);
      expect(result).toMatchObject({
        reason: 'deadline',
        message: 'no complete response within 300 ms',
      });
      await latest()?.closed;
    });
  });

  // Bytes the server wrote before it saw the close: mostly what the kernel's socket buffers took
  // (about 4 MB on loopback here), not what the client read; without the cap it is unbounded.
  describe('maxResponseBytes', () => {
    it('refuses an endless chunked body and closes the connection after a bounded read', async () => {
      const result = await outcome(make()(request('endless')));
      expect(result).toMatchObject({
        reason: 'too-large',
        message: 'answer larger than 65536 bytes',
      });
      const written = (await latest()?.closed) ?? Number.POSITIVE_INFINITY;
      expect(written).toBeLessThan(10 * 1024 * 1024);
    });

    it('refuses a body announced as 1.5 GB and closes the connection after a bounded read', async () => {
      const result = await outcome(make()(request('huge-length')));
      expect(result).toMatchObject({
        reason: 'too-large',
        message: 'answer larger than 65536 bytes',
      });
      const written = (await latest()?.closed) ?? Number.POSITIVE_INFINITY;
      expect(written).toBeLessThan(10 * 1024 * 1024);
    });

    it('refuses a gzip bomb by its inflated size', async () => {
      const result = await outcome(make()(request('gzip-bomb')));
      expect(result).toMatchObject({
        reason: 'too-large',
        message: 'answer larger than 65536 bytes',
      });
    });

    it.each(['exact-length', 'exact-chunked'])(
      'accepts a body of exactly maxResponseBytes (%s)',
      async (attack) => {
        const result = await outcome(make({ maxResponseBytes: 1000 })(request(attack)));
        expect(result).toEqual({ status: 200, body: 'a'.repeat(1000) });
      },
    );

    it.each(['over-length', 'over-chunked'])(
      'refuses a body one byte over maxResponseBytes (%s)',
      async (attack) => {
        const result = await outcome(make({ maxResponseBytes: 1000 })(request(attack)));
        expect(result).toMatchObject({
          reason: 'too-large',
          message: 'answer larger than 1000 bytes',
        });
      },
    );
  });

  describe('redirects', () => {
    it.each([307, 302])(
      'does not follow a %i to another origin: emits the 3xx, the other origin sees nothing',
      async (status) => {
        const result = await outcome(make()(request(`redirect-${status}`)));
        expect(result).toEqual({ status, body: '' });
        expect(elsewhere.connections()).toBe(0);
        expect(elsewhere.exchanges).toHaveLength(0);
      },
    );
  });

  it('aborts an endless body on unsubscribe: the server sees the connection closed', async () => {
    const before = hostile.exchanges.length;
    const subscription = make({ timeoutMs: 60_000 })(request('endless')).subscribe({
      error: () => undefined,
    });
    await expect.poll(() => hostile.exchanges.length).toBe(before + 1);
    subscription.unsubscribe();
    await latest()?.closed;
  });
});

describe('headers that cannot be sent', () => {
  it.each([
    ['a line break in the token', { 'nv-authorizations': `${TOKEN}\r\nX-Injected: 1` }],
    ['a bare LF in the token', { 'nv-authorizations': `${TOKEN}\nX-Injected: 1` }],
    ['a NUL in the token', { 'nv-authorizations': `${TOKEN}\u0000` }],
    ['a character past latin1 in the token', { 'nv-authorizations': `${TOKEN}\u20ac` }],
  ])('both transports fail alike on %s, naming the header, sending nothing', async (_c, bad) => {
    const before = hostile.connections();
    const results = await Promise.all(
      transports.map(([, make]) => outcome(make()(request('exact-length', bad)))),
    );
    for (const result of results) {
      expect(result).toBeInstanceOf(TransportError);
      expect(result).toMatchObject({ reason: 'unsendable-header' });
      expect((result as Error).message).toContain('"nv-authorizations"');
      expect((result as Error).message).not.toContain(TOKEN);
    }
    expect((results[0] as Error).message).toBe((results[1] as Error).message);
    expect(hostile.connections()).toBe(before);
  });

  it('both transports fail alike on an invalid header name, sending nothing', async () => {
    const before = hostile.connections();
    const results = await Promise.all(
      transports.map(([, make]) => outcome(make()(request('exact-length', { 'bad header': 'x' })))),
    );
    expect(results[0]).toMatchObject({ reason: 'unsendable-header' });
    expect((results[0] as Error).message).toContain('"bad header"');
    expect((results[0] as Error).message).toBe((results[1] as Error).message);
    expect(hostile.connections()).toBe(before);
  });
});
