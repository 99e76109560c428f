import fc from 'fast-check';
import { base64url, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintContentToken } from '../../src/server/index.js';
import { rawRequest, request, ssmCall } from '../support/ssm-http.js';
import { SPEC_SECRET, type SpecServer, startSpecServer } from '../support/ssm-server.js';

/** Tokens the hostile requests are built from. */
interface Material {
  contentToken: string;
  aliceSession: string;
  bobSession: string;
  rotatedOut: string;
}

interface HostileCase {
  name: string;
  request: (m: Material) => Promise<string | Buffer> | string | Buffer;
  status: number;
  errorCode: number;
}

const KID_SECRET = 'kid-one-secret-of-thirty-two-bytes!!';

/** A request as written on the wire, with no client-side checks. */
function http(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (method === 'POST') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const post = (path: string, token?: string, body = '{}', headers: Record<string, string> = {}) =>
  http(
    'POST',
    path,
    {
      'Content-Type': 'application/json',
      ...(token !== undefined && { 'nv-authorizations': token }),
      ...headers,
    },
    body,
  );

const setup = (token?: string, body?: string) => post('/v1/sessions/setup', token, body);
const heartbeat = (token?: string) => post('/v1/sessions/heartbeat', token);
const license = (token: string, body = '{"kids":[]}') => post('/license/clearkey', token, body);
const json = (value: unknown) => base64url.encode(JSON.stringify(value));
const nowSeconds = () => Math.floor(Date.now() / 1000);

const cases: HostileCase[] = [
  { name: 'setup without a token', request: () => setup(), status: 401, errorCode: 1001 },
  { name: 'setup with an empty token', request: () => setup(''), status: 401, errorCode: 1001 },
  {
    name: 'setup with a garbled token',
    request: () => setup('not-a-token'),
    status: 401,
    errorCode: 1001,
  },
  {
    name: 'setup with three garbage parts',
    request: () => setup('e30.%%%.!!!'),
    status: 401,
    errorCode: 1001,
  },
  {
    name: 'setup with an expired token',
    request: async () =>
      setup(
        await mintContentToken({
          secret: SPEC_SECRET,
          accountId: 'a',
          contentId: 'c',
          ttlSeconds: 60,
          now: Date.now() - 120_000,
        }),
      ),
    status: 401,
    errorCode: 1002,
  },
  {
    name: 'setup with a token forged with another secret',
    request: async () =>
      setup(
        await mintContentToken({ secret: 'guessed-secret', accountId: 'alice', contentId: 'c' }),
      ),
    status: 401,
    errorCode: 1002,
  },
  {
    name: 'setup with an unsigned alg:none token',
    request: () =>
      setup(
        `${json({ alg: 'none' })}.${json({ device: { accountId: 'a' }, contentRights: [{ contentId: 'c' }], exp: nowSeconds() + 60 })}.`,
      ),
    status: 401,
    errorCode: 1002,
  },
  {
    name: 'setup with a tampered payload under a valid signature',
    request: ({ contentToken }) => {
      const [header, , signature] = contentToken.split('.');
      const widened = json({
        device: { accountId: 'alice' },
        contentRights: [{ contentId: 'c', sessionControl: { maxSessions: 999 } }],
        exp: nowSeconds() + 60,
      });
      return setup(`${header}.${widened}.${signature}`);
    },
    status: 401,
    errorCode: 1002,
  },
  {
    name: 'setup with an unknown kid',
    request: async () =>
      setup(
        await mintContentToken({ secret: KID_SECRET, kid: 'k9', accountId: 'a', contentId: 'c' }),
      ),
    status: 401,
    errorCode: 1002,
  },
  {
    name: 'setup with a known kid and the wrong key',
    request: async () =>
      setup(await mintContentToken({ secret: 'wrong', kid: 'k1', accountId: 'a', contentId: 'c' })),
    status: 401,
    errorCode: 1002,
  },
  {
    name: 'setup with a validly signed token without an account',
    request: async () => {
      const token = await new SignJWT({ contentRights: [{ contentId: 'c' }] })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(KID_SECRET));
      return setup(token);
    },
    status: 401,
    errorCode: 1001,
  },
  {
    name: 'heartbeat with an unknown session token',
    request: () => heartbeat('A'.repeat(43)),
    status: 401,
    errorCode: 1003,
  },
  {
    name: 'heartbeat with a content token',
    request: ({ contentToken }) => heartbeat(contentToken),
    status: 401,
    errorCode: 1003,
  },
  { name: 'heartbeat without a token', request: () => heartbeat(), status: 401, errorCode: 1003 },
  {
    name: 'heartbeat replaying a rotated-out token',
    request: ({ rotatedOut }) => heartbeat(rotatedOut),
    status: 401,
    errorCode: 1003,
  },
  {
    name: 'teardown with a 10 KB token',
    request: () => post('/v1/sessions/teardown', 'B'.repeat(10_000)),
    status: 401,
    errorCode: 1003,
  },
  {
    name: 'a body over 16 KiB',
    request: ({ contentToken }) => setup(contentToken, JSON.stringify({ pad: 'x'.repeat(17_000) })),
    status: 413,
    errorCode: 1004,
  },
  {
    name: 'a chunked body over 16 KiB without Content-Length',
    request: ({ contentToken }) => {
      const head = [
        'POST /v1/sessions/setup HTTP/1.1',
        'Host: 127.0.0.1',
        'Connection: close',
        'Transfer-Encoding: chunked',
        `nv-authorizations: ${contentToken}`,
      ];
      const chunk = `${(4096).toString(16)}\r\n${'x'.repeat(4096)}\r\n`;
      return `${head.join('\r\n')}\r\n\r\n${chunk.repeat(5)}0\r\n\r\n`;
    },
    status: 413,
    errorCode: 1004,
  },
  {
    name: 'a body that is not JSON',
    request: ({ contentToken }) => setup(contentToken, '{"oops":'),
    status: 400,
    errorCode: 1004,
  },
  {
    name: 'GET on setup',
    request: () => http('GET', '/v1/sessions/setup'),
    status: 405,
    errorCode: 1004,
  },
  {
    name: 'DELETE on teardown',
    request: () => http('DELETE', '/v1/sessions/teardown'),
    status: 405,
    errorCode: 1004,
  },
  {
    name: 'an unknown call',
    request: () => post('/v1/sessions/steal'),
    status: 404,
    errorCode: 1004,
  },
  {
    name: 'another API version',
    request: () => post('/v2/sessions/setup'),
    status: 404,
    errorCode: 1004,
  },
  {
    name: 'a path traversal',
    request: () => http('GET', '/v1/sessions/../../../etc/passwd'),
    status: 404,
    errorCode: 1004,
  },
  {
    name: 'an absolute-form target without a token',
    request: () => http('POST', 'http://evil.example/v1/sessions/setup', {}, '{}'),
    status: 401,
    errorCode: 1001,
  },
  {
    name: 'header injection: a bare CR in the token header',
    request: ({ contentToken }) => setup(`${contentToken}\rSet-Cookie: stolen=1`),
    status: 400,
    errorCode: 1004,
  },
  {
    name: 'header injection: an obsolete line folding',
    request: ({ contentToken }) => setup(`${contentToken}\r\n Set-Cookie: stolen=1`),
    status: 400,
    errorCode: 1004,
  },
  {
    name: 'header injection: a NUL byte in the token header',
    request: ({ contentToken }) => setup(`${contentToken}\u0000admin`),
    status: 400,
    errorCode: 1004,
  },
  {
    name: 'request smuggling: Content-Length and Transfer-Encoding together',
    request: ({ contentToken }) =>
      post('/v1/sessions/setup', contentToken, '{}', { 'Transfer-Encoding': 'chunked' }),
    status: 400,
    errorCode: 1004,
  },
  {
    name: 'a header section over 16 KiB',
    request: () => http('GET', '/healthz', { 'X-Pad': 'p'.repeat(20_000) }),
    status: 431,
    errorCode: 1004,
  },
  {
    name: 'a garbage request line',
    request: () => 'HELLO THERE\r\n\r\n',
    status: 400,
    errorCode: 1004,
  },
  {
    name: 'licence with a session token of another account',
    request: ({ contentToken, bobSession }) => license(`${contentToken},${bobSession}`),
    status: 403,
    errorCode: 1003,
  },
  {
    name: 'licence with a rotated-out session token',
    request: ({ contentToken, rotatedOut }) => license(`${contentToken},${rotatedOut}`),
    status: 401,
    errorCode: 1003,
  },
  {
    name: 'licence with a body that is not JSON',
    request: ({ contentToken, aliceSession }) =>
      license(`${contentToken},${aliceSession}`, 'kids=all'),
    status: 400,
    errorCode: 1004,
  },
  {
    name: 'GET on the licence endpoint',
    request: () => http('GET', '/license/clearkey'),
    status: 405,
    errorCode: 1004,
  },
];

let spec: SpecServer;
let material: Material;

async function sessionOf(contentToken: string): Promise<string> {
  const { body } = await ssmCall(spec.base, 'setup', contentToken);
  return (body as { sessionToken: string }).sessionToken;
}

beforeAll(async () => {
  spec = await startSpecServer({
    keys: { k1: KID_SECRET },
    clearKeys: { 'channel-1': [{ kid: 'a', k: 'b' }] },
  });
  const contentToken = await spec.contentToken({ maxSessions: 100 });
  // Rotated out twice: a repeat of the very last renewal would still get its answer.
  const rotatedOut = await sessionOf(contentToken);
  const renewed = await ssmCall(spec.base, 'heartbeat', rotatedOut);
  await ssmCall(spec.base, 'heartbeat', (renewed.body as { sessionToken: string }).sessionToken);
  material = {
    contentToken,
    aliceSession: await sessionOf(contentToken),
    bobSession: await sessionOf(await spec.contentToken({ accountId: 'bob' })),
    rotatedOut,
  };
});
afterAll(async () => {
  await spec?.server.close();
});

describe('hostile and malformed requests', () => {
  it('has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)(
    '$name → $status/$errorCode, and a good setup still works after',
    async (hostile) => {
      const response = await rawRequest(spec.origin, await hostile.request(material));
      expect({ status: response.status, body: response.body }).toEqual({
        status: hostile.status,
        body: { errorCode: hostile.errorCode, message: expect.any(String) },
      });
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['set-cookie']).toBeUndefined();
      if (hostile.status === 405) expect(response.headers.allow).toMatch(/POST|GET/);

      const good = await ssmCall(
        spec.base,
        'setup',
        await spec.contentToken({ accountId: 'carol' }),
      );
      expect(good.status).toBe(200);
      await ssmCall(spec.base, 'teardown', (good.body as { sessionToken: string }).sessionToken);
    },
  );
});

describe('random requests', () => {
  it('are answered with a 2xx or a 4xx and the error body, never a 5xx', async () => {
    const path = fc.constantFrom(
      '/v1/sessions/setup',
      '/v1/sessions/heartbeat',
      '/v1/sessions/teardown',
      '/v1/sessions/stop',
      '/v1/sessions',
      '/license/clearkey',
    );
    const printable = fc.stringMatching(/^[\x20-\x7e]{0,300}$/);
    const token = fc.oneof(
      printable,
      fc.constant(material.contentToken),
      fc.constant(material.aliceSession),
      printable.map((suffix) => `${material.contentToken},${suffix}`),
    );
    const body = fc.oneof(fc.string({ maxLength: 500 }), fc.json().map(String));
    await fc.assert(
      fc.asyncProperty(path, token, body, async (target, value, text) => {
        const response = await request(`${spec.origin}${target}`, {
          method: 'POST',
          headers: { 'nv-authorizations': value },
          body: text,
        });
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.body).toEqual({
            errorCode: expect.any(Number),
            message: expect.any(String),
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
