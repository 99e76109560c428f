import { afterEach, expect, it } from 'vitest';
import { rawExchange } from '../support/raw-exchange.js';
import { request } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

/**
 * Found by the byte-level fuzz (server-fuzz.spec.ts): a request whose `Expect` header is not
 * `100-continue` was answered by Node itself, before the server saw it: a 417 with an empty body
 * and no count in the metrics. Every other refusal, Node's parse errors included, carries the
 * protocol's `{errorCode, message}` body (wire-protocol.md, Errors).
 */
let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

it('a 417 for an unsupported Expect header carries the error body and is counted', async () => {
  spec = await startSpecServer();
  const raw = Buffer.from(
    'POST /v1/sessions/setup HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 200-ok\r\n' +
      'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  );
  const answer = await rawExchange(spec.origin, raw);
  expect(answer.status).toBe(417);
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(JSON.parse(answer.body)).toEqual({ errorCode: 1004, message: expect.any(String) });
  const { body } = await request(`${spec.origin}/metrics`);
  expect(String(body)).toMatch(/^rx_ssm_refusals_total\{errorCode="1004"\} 1$/m);
});

it('100-continue still works: the interim answer, then the call answered as usual', async () => {
  spec = await startSpecServer();
  const raw = Buffer.from(
    'POST /v1/sessions/setup HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n' +
      'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  );
  const answer = await rawExchange(spec.origin, raw);
  expect(answer.interim).toEqual([100]);
  expect(answer.status).toBe(401);
  expect(JSON.parse(answer.body)).toEqual({ errorCode: 1001, message: expect.any(String) });
});
