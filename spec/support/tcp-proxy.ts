import { connect, createServer, type Socket } from 'node:net';
import { loopbackListener } from './loopback-listener.js';

/** A TCP relay whose link can be cut and restored, while both ends stay up. */
export interface TcpProxy {
  readonly port: number;
  /** Drops every connection and refuses new ones: a network outage. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Relays 127.0.0.1:`port` to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const upstreams = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    // The listener drops client connections; upstream ones are dropped with them.
    upstreams.add(upstream);
    upstream.once('close', () => upstreams.delete(upstream));
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  const listener = loopbackListener(server);
  const stop = async () => {
    for (const upstream of upstreams) upstream.destroy();
    await listener.stop();
  };
  const port = await listener.listen(0);
  return {
    port,
    cut: stop,
    restore: async () => {
      await listener.listen(port);
    },
    async close() {
      if (server.listening) await stop();
    },
  };
}
