import type { AddressInfo, Server, Socket } from 'node:net';

/** A server on 127.0.0.1 that can stop listening and drop its connections, then listen again. */
export interface LoopbackListener {
  /** Listens on `port` (0 picks a free one) and resolves the port. */
  listen(port: number): Promise<number>;
  /** Stops listening and destroys every open connection: a refused, cut-off peer. */
  stop(): Promise<void>;
}

/** Tracks `server`'s connections so that {@link LoopbackListener.stop} can drop them. */
export function loopbackListener(server: Server): LoopbackListener {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    listen: (port) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
