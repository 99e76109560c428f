import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

/** Options of {@link delayProxy}. */
export interface DelayProxyOptions {
  /** Delay added to every chunk in each direction: the round trip grows by twice this. */
  oneWayMs: number;
  /**
   * Setups reach the server before the teardowns sent with them: a teardown is held until the
   * server has answered a setup that came after it (or for 20 ms when none comes).
   */
  setupFirst?: boolean;
}

/** How long a teardown waits for a setup to overtake it when `setupFirst` is on. */
const OVERTAKE_WAIT_MS = 20;

/** Whether a held chunk may go on. */
type Gate = () => boolean;

/** A TCP proxy in front of an origin that delays the bytes both ways. */
export interface DelayProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * A TCP proxy that holds every chunk for `oneWayMs` before passing it on, in both directions,
 * so a loopback server behaves as if it were `2 × oneWayMs` away. Chunks of one connection keep
 * their order. Connection set-up is not delayed: the clients keep their connections alive.
 */
export async function delayProxy(
  target: { host: string; port: number },
  options: DelayProxyOptions,
): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };

  /**
   * Passes `from`'s bytes to `to`, each chunk `delayOf(chunk)` ms later, in order. A timer
   * alone fires up to a millisecond off; the last stretch is waited out on the event loop.
   */
  let setupsAnswered = 0;

  function relay(from: Socket, to: Socket, gateOf: (chunk: Buffer) => Gate | undefined): void {
    const queue: Array<{ at: number; pass: () => void; gate: Gate | undefined }> = [];
    let lastAt = 0;
    let pumping = false;
    const due = (entry: (typeof queue)[number]) =>
      entry.at <= performance.now() && (entry.gate?.() ?? true);
    const pump = () => {
      while (queue.length > 0 && due(queue[0]!)) queue.shift()!.pass();
      if (queue.length === 0) {
        pumping = false;
        return;
      }
      const wait = queue[0]!.at - performance.now();
      if (wait > 2) setTimeout(pump, wait - 1.5);
      else setImmediate(pump);
    };
    const later = (pass: () => void, gate?: Gate) => {
      lastAt = Math.max(lastAt, performance.now() + options.oneWayMs);
      queue.push({ at: lastAt, pass, gate });
      if (!pumping) {
        pumping = true;
        pump();
      }
    };
    from.on('data', (chunk: Buffer) => later(() => to.writable && to.write(chunk), gateOf(chunk)));
    from.once('end', () => later(() => to.end()));
    // Closed without an end (reset, error): close the other side once its bytes are through.
    from.once('close', () => later(() => to.writableEnded || to.destroy()));
    from.on('error', () => {});
  }

  // Half-open sockets: an end is passed on as late as the bytes before it.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    const upstream = track(connect({ port: target.port, host: target.host, allowHalfOpen: true }));
    let awaitingSetupAnswer = false;
    relay(client, upstream, (chunk) => {
      if (!options.setupFirst) return undefined;
      if (chunk.includes('/sessions/setup')) awaitingSetupAnswer = true;
      if (!chunk.includes('/sessions/teardown')) return undefined;
      const answeredBefore = setupsAnswered;
      const until = performance.now() + options.oneWayMs + OVERTAKE_WAIT_MS;
      return () => setupsAnswered > answeredBefore || performance.now() > until;
    });
    // The server's answer leaving it (not yet delayed) says it has handled the setup.
    upstream.on('data', () => {
      if (awaitingSetupAnswer) setupsAnswered += 1;
      awaitingSetupAnswer = false;
    });
    relay(upstream, client, () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
