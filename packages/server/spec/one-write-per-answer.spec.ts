// Every answer leaves in one write to the socket: status line, headers and body together. Each
// write is a system call and, on loopback, most of what a small answer costs.
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSsmServer, mintContentToken, type SsmServer } from '../src/index.js';

const secret = 'one-write-spec-secret-of-32-bytes!!';
const WRITES = [
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
];

let ssm: SsmServer;
let http: Server;
let port: number;
let writes = 0;

beforeAll(async () => {
  ssm = createSsmServer({ logger: false, secret, clearKeys: {} });
  // The SSM handler in a server of our own, whose sockets' native writes are counted.
  http = createServer(ssm.handler);
  http.on('connection', (socket: Socket) => {
    const handle = (
      socket as unknown as { _handle: Record<string, (...args: unknown[]) => unknown> }
    )._handle;
    for (const name of WRITES) {
      const write = handle[name];
      if (typeof write !== 'function') continue;
      handle[name] = function (this: unknown, ...args: unknown[]) {
        writes += 1;
        return write.apply(this, args);
      };
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  port = (http.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => http.close(resolve));
  http.closeAllConnections();
  await ssm.close();
});

/** Sends requests one after another on one keep-alive connection; answers each's head and body. */
async function exchange(requests: Array<(previous: string) => string>) {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const answers: Array<{ status: number; body: string; writes: number }> = [];
  let previous = '';
  for (const build of requests) {
    const before = writes;
    socket.write(build(previous));
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(text)?.[1];
        if (end >= 0 && text.length >= end + 4 + Number(length ?? 0)) {
          socket.off('data', onData);
          resolve(text);
        }
      };
      socket.on('data', onData);
    });
    // The answer is whole on this side, so every write it took has been made.
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    answers.push({ status: Number(answer.slice(9, 12)), body, writes: writes - before });
    previous = body;
  }
  socket.destroy();
  return answers;
}

const call = (path: string, token = '', method = 'POST', extra = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n` +
  `nv-authorizations: ${token}\r\nContent-Length: 2\r\n${extra}\r\n{}`;
const tokenOf = (body: string) => (JSON.parse(body) as { sessionToken: string }).sessionToken;

describe('each answer is one write', () => {
  it('for setup, heartbeat, teardown, refusals, a preflight, health and metrics', async () => {
    const contentToken = await mintContentToken({ secret, accountId: 'a', contentId: 'c' });
    const answers = await exchange([
      () => call('/v1/sessions/setup', contentToken),
      (setup) => call('/v1/sessions/heartbeat', tokenOf(setup)),
      (heartbeat) => call('/v1/sessions/teardown', tokenOf(heartbeat)),
      () => call('/v1/sessions/heartbeat', 'not-a-live-session-token-at-all'),
      () => call('/v1/sessions/setup', 'garbled'),
      () => call('/nowhere'),
      () => call('/v1/sessions/setup', '', 'OPTIONS'),
      () => 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      () => 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n',
    ]);
    expect(answers.map(({ status }) => status)).toEqual([
      200, 200, 200, 401, 401, 404, 204, 200, 200,
    ]);
    expect(answers.map(({ writes: count }) => count)).toEqual(answers.map(() => 1));
  });
});
