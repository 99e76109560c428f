// The Redis store's client interface on valkey-glide (a Rust core under a thin Node layer), for
// the bake-off. Scripts go through glide's own Script objects (EVALSHA, loading on NOSCRIPT);
// glide has no connection events, so "up" is a connected client and "down" a failed attempt.
import type * as Glide from '@valkey/valkey-glide';
import {
  CONNECT_TIMEOUT_MS,
  type RedisClient,
  type RedisClientOptions,
  reconnectDelay,
  scriptCommand,
} from '../../../packages/server/src/stores/redis/redis-client.js';

type Library = typeof Glide;
type Client = Glide.GlideClient | Glide.GlideClusterClient;

function glideOn(glide: Library, connect: () => Promise<Client>, cluster: boolean): RedisClient {
  const listeners: Array<(state: 'up' | 'down', reason?: string) => void> = [];
  const tell = (state: 'up' | 'down', reason?: string) => {
    for (const listener of listeners) listener(state, reason);
  };
  let closed = false;
  let current: Promise<Client> | undefined;
  /** The client, connecting (again, after the reconnect delays) until one attempt succeeds. */
  const client = (): Promise<Client> => {
    current ??= (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const connected = await connect();
          tell('up');
          return connected;
        } catch (error) {
          tell('down', error instanceof Error ? error.message : String(error));
          if (closed) throw error;
          await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
        }
      }
    })();
    return current;
  };
  void client().catch(() => {});
  const watched = async <T>(command: (on: Client) => Promise<T>): Promise<T> => {
    try {
      return await command(await client());
    } catch (error) {
      if (error instanceof glide.ConnectionError || error instanceof glide.ClosingError) {
        tell('down', error.message);
      }
      throw error;
    }
  };
  const scripts = new Map<string, Glide.Script>();
  /** glide loads a script by its text: a sha it was never given is NOSCRIPT, as Redis says. */
  const scriptOf = (sha: string, text: string | undefined) => {
    if (text !== undefined && !scripts.has(sha)) scripts.set(sha, new glide.Script(text));
    const script = scripts.get(sha);
    if (!script) throw new Error('NOSCRIPT glide has not been given this script yet');
    return script;
  };
  return {
    script: (sha, text, keys, args) =>
      watched((on) => on.invokeScript(scriptOf(sha, text), { keys, args })),
    async scriptThenWait(sha, text, keys, args, replicas, timeoutMs) {
      if (cluster) throw new Error('replica acks are not measured on the glide cluster client');
      scriptOf(sha, text);
      const batch = new glide.Batch(false)
        .customCommand(scriptCommand(sha, text, keys, args))
        .wait(replicas, timeoutMs);
      const results = (await watched((on) =>
        (on as Glide.GlideClient).exec(batch, true),
      )) as Glide.GlideReturnType[];
      return { reply: results[0], acks: Number(results[1]) };
    },
    zcount: (key, min, max) =>
      watched(async (on) => Number(await on.customCommand(['ZCOUNT', key, min, max]))),
    ping: () => watched(async (on) => void (await on.ping())),
    onConnection(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      const connected = await current?.catch(() => undefined);
      connected?.close();
    },
  };
}

const configuration = (
  addresses: Array<{ host: string; port: number }>,
  options: RedisClientOptions,
) => ({
  addresses,
  requestTimeout: options.commandTimeoutMs,
  advancedConfiguration: { connectionTimeout: CONNECT_TIMEOUT_MS },
});

const address = (hostPort: string) => {
  const [host, port] = hostPort.split(':');
  return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
};

/** One node. */
export function glideClient(glide: Library, url: string, options: RedisClientOptions) {
  const { hostname, port } = new URL(url);
  return glideOn(
    glide,
    () => glide.GlideClient.createClient(configuration([address(`${hostname}:${port}`)], options)),
    false,
  );
}

/** A cluster, from some of its nodes. */
export function glideClusterClient(
  glide: Library,
  seeds: ReadonlyArray<string>,
  options: RedisClientOptions,
) {
  return glideOn(
    glide,
    () => glide.GlideClusterClient.createClient(configuration(seeds.map(address), options)),
    true,
  );
}
