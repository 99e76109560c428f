// Regression: Node checks request timeouts only every 30 s by default, so a client sending its
// headers or body a byte at a time held its connection up to 30 s past the server's timeout.
// The server now checks often enough that a slow connection is dropped near its timeout. This
// asserts that it is dropped, not how fast; docs/reliability.md has the measured figures.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSsmServer, type SsmServer } from '../src/index.js';

const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 600;

let server: SsmServer;
let origin: string;
beforeAll(async () => {
  server = createSsmServer({
    logger: false,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  origin = await server.listen(0);
});
afterAll(async () => {
  await server?.close();
});

/** Writes `head`, then one byte of `drip` every 50 ms; resolves once the server closes. */
function slowClient(head: string, drip: string) {
  const { port } = new URL(origin);
  return new Promise<{ response: string; bytesDripped: number }>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let response = '';
    let bytesDripped = 0;
    const timer = setInterval(() => {
      if (drip === '' || !socket.writable) return;
      socket.write(drip[bytesDripped % drip.length] as string);
      bytesDripped += 1;
    }, 50);
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response, bytesDripped });
    });
    if (head !== '') socket.write(head);
  });
}

it('drops a connection whose headers never end', async () => {
  const { response } = await slowClient('POST /v1/sessions/setup HTTP/1.1\r\nX-Slow: ', 'abc');
  // Node answers 408 when it can; either way the connection is closed.
  if (response !== '') expect(response).toMatch(/^HTTP\/1\.1 408 /);
});

it('drops a connection whose body never ends', async () => {
  const head =
    'POST /v1/sessions/setup HTTP/1.1\r\nHost: ssm\r\nContent-Type: application/json\r\n' +
    'Content-Length: 1000\r\n\r\n';
  const { response } = await slowClient(head, ' ');
  if (response !== '') expect(response).toMatch(/^HTTP\/1\.1 408 /);
});

it('drops a connection that sends nothing at all', async () => {
  const { response } = await slowClient('', '');
  if (response !== '') expect(response).toMatch(/^HTTP\/1\.1 408 /);
});

it('refuses a header timeout longer than the request timeout', () => {
  expect(() =>
    createSsmServer({ logger: false, headersTimeoutMs: 2, requestTimeoutMs: 1 }),
  ).toThrow(RangeError);
});
