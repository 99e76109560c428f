import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * One way to misbehave, played on a response. It may keep writing for ever; whatever it
 * schedules it must stop in the returned cleanup, which runs when the connection closes.
 */
export type Attack = (res: ServerResponse) => (() => void) | undefined;

/** What the server saw of one request and the answer it played. */
export interface HostileExchange {
  url: string;
  headers: IncomingMessage['headers'];
  /** Resolves once the client has closed the connection, with the bytes written for this answer. */
  closed: Promise<number>;
}

/** A `node:http` server on 127.0.0.1 that answers each request with the attack its path picks. */
export interface HostileServer {
  url: string;
  /** Every request that arrived, in order. */
  exchanges: HostileExchange[];
  /** TCP connections accepted: 0 means nothing reached the server at all. */
  connections(): number;
  close(): Promise<void>;
}

export async function hostileServer(attackFor: (url: string) => Attack): Promise<HostileServer> {
  const exchanges: HostileExchange[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const socket: Socket = req.socket;
    // A kept-alive socket may have carried earlier answers: count from here.
    const bytesBefore = socket.bytesWritten;
    let stop: (() => void) | undefined;
    const closed = new Promise<number>((resolve) =>
      socket.once('close', () => {
        stop?.();
        resolve(socket.bytesWritten - bytesBefore);
      }),
    );
    exchanges.push({ url: req.url ?? '', headers: req.headers, closed });
    req.resume();
    req.on('end', () => {
      stop = attackFor(req.url ?? '')(res);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain answer, sent at once. */
export function answer(status: number, body: string | Buffer, headers = {}): Attack {
  return (res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body);
    return undefined;
  };
}

/** A 3xx pointing elsewhere. */
export function redirectTo(status: number, location: string): Attack {
  return answer(status, '', { Location: location });
}

/** The status line, then the headers one byte every `everyMs`: never a complete head. */
export function trickleHead(everyMs: number): Attack {
  return (res) => {
    const head = Buffer.from(
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ${'a'.repeat(1000)}`,
    );
    res.socket?.write('HTTP/1.1 200 OK\r\n');
    let sent = 17;
    const timer = setInterval(() => {
      if (sent < head.length) res.socket?.write(head.subarray(sent, ++sent));
    }, everyMs);
    return () => clearInterval(timer);
  };
}

/** A complete head announcing a small JSON body, then the body one byte every `everyMs`. */
export function trickleBody(everyMs: number): Attack {
  return (res) => {
    const body = `{"sessionToken":"S1","heartbeat":5,"pad":"${'a'.repeat(1000)}"}`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < body.length) res.write(body[sent++]);
    }, everyMs);
    return () => clearInterval(timer);
  };
}

/**
 * A body that never ends, written as fast as the client takes it: chunked, or under a huge
 * `Content-Length` when `contentLength` is given.
 */
export function endlessBody(options: { contentLength?: number } = {}): Attack {
  return (res) => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ...(options.contentLength !== undefined && { 'Content-Length': options.contentLength }),
    });
    const chunk = Buffer.alloc(16_384, 'a');
    let stopped = false;
    const pump = () => {
      while (!stopped && !res.destroyed && res.write(chunk)) {
        // The socket takes more: keep writing until it pushes back.
      }
      if (!stopped && !res.destroyed) res.once('drain', pump);
    };
    pump();
    return () => {
      stopped = true;
    };
  };
}

/** `gzip` bytes sent chunked as `Content-Encoding: gzip`: small on the wire, large once inflated. */
export function gzipBody(gzip: Buffer): Attack {
  return (res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    res.end(gzip);
    return undefined;
  };
}
