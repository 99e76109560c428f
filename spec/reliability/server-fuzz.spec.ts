import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange } from '../support/raw-exchange.js';
import { request, ssmCall } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

/**
 * Random raw HTTP requests (methods, targets, headers, framing, bodies), written byte for byte
 * on fresh connections: the reference server answers each with a non-5xx status and, for a 4xx,
 * the error body, or closes a connection it cannot make sense of; it never logs an error, never
 * counts an internal error (1000), and keeps serving. spec/server/hostile-requests.spec.ts has the
 * hand-picked cases and well-formed random requests; this is the byte-level fuzz.
 */
const RUNS = Number(process.env.RX_SSM_FUZZ_RUNS ?? 1000);

let spec: SpecServer;
const logLines: string[] = [];
let contentToken = '';
let sessionTokens: string[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  spec = await startSpecServer({
    logger,
    heartbeatSeconds: 60,
    clearKeys: { 'channel-1': [{ kid: 'a2lk', k: 'a2V5' }] },
  });
  contentToken = await spec.contentToken({ maxSessions: 100_000 });
  sessionTokens = await Promise.all(
    [0, 1, 2].map(async () => {
      const { body } = await ssmCall(spec.base, 'setup', contentToken);
      return (body as { sessionToken: string }).sessionToken;
    }),
  );
});
afterAll(async () => {
  await spec?.server.close();
});

const CRLF = '\r\n';

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('POST', 'GET', 'OPTIONS', 'HEAD') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'PUT',
      'DELETE',
      'PATCH',
      'TRACE',
      'CONNECT',
      'post',
      'P0ST',
      'PROPFIND',
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[!-~]{1,12}$/) },
);

const segment = fc.oneof(
  fc.constantFrom(
    'v1',
    'sessions',
    'setup',
    'heartbeat',
    'teardown',
    'license',
    'clearkey',
    'healthz',
    'metrics',
    '..',
    '.',
    '%2e%2e',
    '%2F',
    '',
    'TENANT',
    'ssm',
    '%00',
    '%ff',
    'ü',
    '%',
    '%zz',
  ),
  fc.stringMatching(/^[!-~]{0,16}$/).map((text) => text.replace(/[\s/?#]/g, '')),
);
const target = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '/v1/sessions/setup',
      '/v1/sessions/heartbeat',
      '/v1/sessions/teardown',
      '/TENANT/ssm/v1/sessions/setup/',
      '/v1/sessions',
      '/v1/sessions/stop',
      '/license/clearkey',
      '/healthz',
      '/metrics',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.array(segment, { maxLength: 8 }).map((parts) => `/${parts.join('/')}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '*',
      'http://evil.example/v1/sessions/setup',
      '//v1/sessions/setup',
      `/${'x'.repeat(9000)}`,
      '/v1/sessions/setup?x=1#frag',
      '/v1/sessions/setup\u0000',
    ),
  },
);

/** Header values that reach deep into the server: real tokens, combinations, odd bytes. */
function tokenValue(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(contentToken),
    fc.constantFrom(...sessionTokens),
    fc.constantFrom(...sessionTokens).map((token) => `${contentToken},${token}`),
    fc.constantFrom(...sessionTokens).map((token) => `${token},${token}`),
    fc.stringMatching(/^[ -~]{0,200}$/),
    fc.constant(`${contentToken.slice(0, -2)}AA`),
    fc.constant(contentToken.split('.').slice(0, 2).join('.')),
    fc.constant(','.repeat(50)),
  );
}

const headerValue = fc.oneof(
  fc.stringMatching(/^[ -~]{0,80}$/),
  fc.constantFrom(
    '100-continue',
    'chunked',
    'gzip, chunked',
    'identity',
    '-1',
    '99999999999999999999',
    '0x10',
    'close',
    'keep-alive',
    'upgrade',
    'websocket',
    'null',
    'http://a\u007fb',
    'http://ok.example',
    'application/json',
    'text/html',
    'application/json; charset=latin1',
    '',
  ),
  fc
    .uint8Array({ minLength: 1, maxLength: 40 })
    .map((bytes) => Buffer.from(bytes).toString('latin1')),
);
const headerName = fc.oneof(
  fc.constantFrom(
    'nv-authorizations',
    'Content-Type',
    'Content-Length',
    'Transfer-Encoding',
    'Origin',
    'Host',
    'Expect',
    'Connection',
    'Accept',
    'Authorization',
    'Cookie',
    'Upgrade',
    'Access-Control-Request-Method',
  ),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,24}$/),
  fc.stringMatching(/^[ -~]{1,12}$/),
);

/** How the body is framed: by a true length, chunked, not at all, or by a length it never reaches. */
const framing = fc.constantFrom('length', 'length', 'chunked', 'none', 'short');

const body = fc.oneof(
  fc.constant('{}'),
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.integer({ min: 1, max: 200_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.constantFrom(
    '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    '{"kids":["a2lk"],"type":"temporary"}',
    '{"kids":{"length":1e9},"type":[]}',
    `{"kids":[${'"a2lk",'.repeat(2000)}"x"]}`,
    'x'.repeat(20_000),
    '\u0000\u0000',
  ),
);

interface RawRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  token?: string;
  framing: string;
  body: string;
}

function bytesOf(r: RawRequest): Buffer {
  const lines = [`${r.method} ${r.target} HTTP/1.1`, 'Host: 127.0.0.1'];
  if (r.token !== undefined) lines.push(`nv-authorizations: ${r.token}`);
  for (const [name, value] of r.headers) lines.push(`${name}: ${value}`);
  const payload = Buffer.from(r.body, 'latin1');
  let tail: Buffer = payload;
  if (r.framing === 'length') lines.push(`Content-Length: ${payload.length}`);
  if (r.framing === 'short') lines.push(`Content-Length: ${payload.length + 10}`);
  if (r.framing === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    tail = Buffer.concat([
      Buffer.from(`${payload.length.toString(16)}${CRLF}`),
      payload,
      Buffer.from(`${CRLF}0${CRLF}${CRLF}`),
    ]);
  }
  if (r.framing === 'none') tail = Buffer.alloc(0);
  return Buffer.concat([Buffer.from(`${lines.join(CRLF)}${CRLF}${CRLF}`, 'latin1'), tail]);
}

function rawRequest(): fc.Arbitrary<RawRequest> {
  return fc.record({
    method,
    target,
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
    token: fc.option(tokenValue(), { nil: undefined }),
    framing,
    body,
  });
}

async function refusalsOfInternalErrors(): Promise<number> {
  const { body: text } = await request(`${spec.origin}/metrics`);
  return Number(/^rx_ssm_refusals_total\{errorCode="1000"\} (\d+)$/m.exec(String(text))?.[1] ?? 0);
}

describe('random raw requests', () => {
  it(`${RUNS} of them: never a 5xx, the error body on every 4xx, no error logged, still serving`, async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest(), async (r) => {
        const answer = await rawExchange(spec.origin, bytesOf(r), {
          head: r.method === 'HEAD',
          quietMs: 1500,
        });
        if (answer.status === undefined) return; // the server closed a connection it could not parse
        expect(answer.status).toBeLessThan(500);
        expect(answer.headers['set-cookie']).toBeUndefined();
        if (answer.status >= 400 && r.method !== 'HEAD') {
          expect(JSON.parse(answer.body)).toEqual({
            errorCode: expect.any(Number),
            message: expect.any(String),
          });
        }
      }),
      { numRuns: RUNS },
    );
    // Give requests whose client hung up time to finish on the server, then look at the record.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await request(`${spec.origin}/healthz`)).status).toBe(200);
    const good = await ssmCall(spec.base, 'setup', contentToken);
    expect(good.status).toBe(200);
    expect(await refusalsOfInternalErrors()).toBe(0);
    const errors = logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);
});
