// Regression: past the 16 KiB limit the server answered 413 but went on reading (and discarding)
// the body, so a client could keep it busy for as long as the request timeout. It now stops
// reading at the limit and closes the connection right after the 413.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { BODY_LIMIT_BYTES } from '../src/index.js';

/** What a client that never stops sending can push before the socket fails: kernel buffers. */
const SOCKET_BUFFERS_BYTES = 16 * 1024 * 1024;
/** The client gives up after this much: far more than the limit and the buffers. */
const CLIENT_SENDS_BYTES = 128 * 1024 * 1024;

let spec: SpecServer;
beforeAll(async () => {
  spec = await startSpecServer();
});
afterAll(async () => {
  await spec?.server.close();
});

/** Sends `head`, then body pieces as fast as the socket takes them, until it fails or all is sent. */
function sendForever(head: string, piece: Buffer) {
  const { port } = new URL(spec.origin);
  return new Promise<{ written: number; closed: boolean; response: string }>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let written = 0;
    let response = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ written, closed, response });
    };
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.write(head);
    const pump = () => {
      while (!done && written < CLIENT_SENDS_BYTES) {
        written += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
      finish(false);
    };
    pump();
  });
}

const chunk = Buffer.alloc(64 * 1024, 'x');
const framings = [
  {
    name: 'chunked, no Content-Length',
    head: 'POST /v1/sessions/setup HTTP/1.1\r\nHost: ssm\r\nTransfer-Encoding: chunked\r\n\r\n',
    piece: Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]),
  },
  {
    name: 'a Content-Length over the limit',
    head: `POST /v1/sessions/setup HTTP/1.1\r\nHost: ssm\r\nContent-Length: ${2 * CLIENT_SENDS_BYTES}\r\n\r\n`,
    piece: chunk,
  },
];

it.each(framings)(
  'answers 413 and closes the connection on a body that never ends: $name',
  async ({ head, piece }) => {
    const { written, closed, response } = await sendForever(head, piece);
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toMatch(/\r\nConnection: close\r\n/i);
    expect(closed).toBe(true);
    expect(written).toBeLessThanOrEqual(BODY_LIMIT_BYTES + SOCKET_BUFFERS_BYTES);
  },
);
