import axios from 'axios';
import { firstValueFrom, lastValueFrom, type Observable, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeenRequest, scriptedHttpServer } from '../../../../spec/support/http-echo.js';
import { axiosTransport } from '../../src/transports/axios.js';
import { fetchTransport } from '../../src/transports/fetch.js';
import type { SsmResponse, SsmTransport } from '../../src/types.js';
import { ssmRequest } from '../../src/wire/wire.js';

let server: Awaited<ReturnType<typeof scriptedHttpServer>>;

beforeAll(async () => {
  server = await scriptedHttpServer((req: SeenRequest) => {
    const path = req.url;
    if (path.includes('/hang/')) return 'hang';
    if (path.includes('/reset/')) return 'reset';
    if (path.includes('/slow/')) return { status: 200, body: '{}', delayMs: 300 };
    if (path.includes('/limit/'))
      return { status: 403, body: '{"errorCode":1007,"message":"limit"}' };
    if (path.includes('/html/')) return { status: 502, body: '<html>bad gateway</html>' };
    return { status: 200, body: '{"sessionToken":"S1","heartbeat":5}' };
  });
});
afterAll(() => server.close());

const source = (prefix: string) => ({
  src: 'a',
  token: 'ct-a',
  ssmServerUrl: `${server.url}/${prefix}`,
});
const send = (transport: SsmTransport, prefix: string): Observable<SsmResponse> =>
  transport(ssmRequest('setup', source(prefix), 'ct-a'));

describe.each([
  ['axiosTransport', () => axiosTransport(axios, { timeoutMs: 200 })],
  ['fetchTransport', () => fetchTransport({ timeoutMs: 200 })],
])('%s against a real HTTP server', (_name, make) => {
  it('posts {} with the protocol headers and emits one response, then completes', async () => {
    const before = server.seen.length;
    const responses = await lastValueFrom(send(make(), 'ok').pipe(toArray()));
    expect(responses).toHaveLength(1);
    expect(responses[0]?.status).toBe(200);
    expect(JSON.parse(String(responses[0]?.body))).toEqual({ sessionToken: 'S1', heartbeat: 5 });
    const seen = server.seen[before];
    expect(seen).toMatchObject({ method: 'POST', url: '/ok/v1/sessions/setup', body: '{}' });
    expect(seen?.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json; charset=utf-8',
      'nv-authorizations': 'ct-a',
    });
  });

  it('emits a non-2xx status as a response, not an error', async () => {
    const response = await firstValueFrom(send(make(), 'limit'));
    expect(response.status).toBe(403);
    expect(JSON.parse(String(response.body))).toEqual({ errorCode: 1007, message: 'limit' });
  });

  it('hands over a non-JSON body as text', async () => {
    const response = await firstValueFrom(send(make(), 'html'));
    expect(response).toEqual({ status: 502, body: '<html>bad gateway</html>' });
  });

  it('errors when no response comes in time', async () => {
    await expect(firstValueFrom(send(make(), 'hang'))).rejects.toThrow();
  });

  it('errors when the connection is reset', async () => {
    await expect(firstValueFrom(send(make(), 'reset'))).rejects.toThrow();
  });

  it('errors when nothing listens', async () => {
    const transport = make();
    const refused = transport(
      ssmRequest('setup', { src: 'a', token: 't', ssmServerUrl: 'http://127.0.0.1:1/ssm' }, 't'),
    );
    await expect(firstValueFrom(refused)).rejects.toThrow();
  });

  it('aborts the request on unsubscribe', async () => {
    const before = server.seen.length;
    let settled = false;
    const subscription = send(make(), 'slow').subscribe({
      next: () => {
        settled = true;
      },
      error: () => {
        settled = true;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(server.seen.length).toBe(before + 1);
    expect(settled).toBe(false);
  });
});

describe('fetchTransport', () => {
  it('sends keepalive when asked, for a teardown on pagehide', async () => {
    const calls: RequestInit[] = [];
    const transport = fetchTransport({
      keepalive: true,
      fetch: async (_url, init) => {
        calls.push(init ?? {});
        return new Response('{}', { status: 200 });
      },
    });
    await firstValueFrom(send(transport, 'ok'));
    expect(calls[0]).toMatchObject({ method: 'POST', body: '{}', keepalive: true });
  });
});

describe('fetchTransport where the platform hides or lacks things', () => {
  const fakeFetch = (response: Partial<Response>, seen: RequestInit[] = []) =>
    fetchTransport({
      fetch: async (_url, init) => {
        seen.push(init ?? {});
        return { headers: new Headers(), ...response } as Response;
      },
    });

  it('asks for redirect: manual and emits a browser opaque redirect as status 0, body empty', async () => {
    const seen: RequestInit[] = [];
    const transport = fakeFetch(
      { type: 'opaqueredirect', status: 0, body: null, text: async () => '' },
      seen,
    );
    expect(await firstValueFrom(send(transport, 'ok'))).toEqual({ status: 0, body: '' });
    expect(seen[0]).toMatchObject({ redirect: 'manual' });
  });

  it('without body streams (React Native), refuses a Content-Length over the cap unread', async () => {
    let read = false;
    const transport = fakeFetch({
      status: 200,
      headers: new Headers({ 'Content-Length': '1500000000' }),
      body: null,
      text: async () => {
        read = true;
        return '';
      },
    });
    await expect(firstValueFrom(send(transport, 'ok'))).rejects.toMatchObject({
      reason: 'too-large',
    });
    expect(read).toBe(false);
  });

  it('without body streams (React Native), reads a text within the cap, multi-byte characters counted as bytes', async () => {
    const text = `{"sessionToken":"${'é'.repeat(32_000)}"}`;
    const transport = fakeFetch({ status: 200, body: null, text: async () => text });
    expect(await firstValueFrom(send(transport, 'ok'))).toEqual({ status: 200, body: text });
    // 65,540 bytes in 32,780 characters (2 bytes per é): over the cap in bytes, though not in length.
    const over = `{"sessionToken":"${'é'.repeat(32_760)}"}`;
    expect(over.length).toBeLessThan(65_536);
    const refusing = fakeFetch({ status: 200, body: null, text: async () => over });
    await expect(firstValueFrom(send(refusing, 'ok'))).rejects.toMatchObject({
      reason: 'too-large',
    });
  });

  it('without body streams (React Native), refuses a text over the cap', async () => {
    const transport = fakeFetch({ status: 200, body: null, text: async () => 'a'.repeat(65_537) });
    await expect(firstValueFrom(send(transport, 'ok'))).rejects.toMatchObject({
      reason: 'too-large',
      message: 'answer larger than 65536 bytes',
    });
  });
});

describe('axiosTransport on adapters that ignore maxContentLength (XHR)', () => {
  it('aborts as soon as a progress event announces a body over the cap', async () => {
    let aborted = false;
    const instance = axios.create({
      adapter: (config) =>
        new Promise((_resolve, reject) => {
          config.signal?.addEventListener?.('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
          config.onDownloadProgress?.({
            loaded: 10,
            total: 1_500_000_000,
            bytes: 10,
            lengthComputable: true,
          });
        }),
    });
    await expect(firstValueFrom(send(axiosTransport(instance), 'ok'))).rejects.toMatchObject({
      reason: 'too-large',
      message: 'answer larger than 65536 bytes',
    });
    expect(aborted).toBe(true);
  });

  it('refuses a body over the cap that an adapter handed over whole', async () => {
    const instance = axios.create({
      adapter: async (config) => ({
        data: 'é'.repeat(40_000),
        status: 200,
        statusText: 'OK',
        headers: {},
        config,
      }),
    });
    await expect(firstValueFrom(send(axiosTransport(instance), 'ok'))).rejects.toMatchObject({
      reason: 'too-large',
    });
  });
});
