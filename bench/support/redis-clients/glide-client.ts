// The Redis store's client interface on valkey-glide (a Rust core under a thin Node layer), for
// the bake-off. Scripts go through glide's own Script objects (EVALSHA, loading on NOSCRIPT);
// glide has no connection events, so "up" is a connected client and "down" a failed attempt.
import {
  Batch,
  ClosingError,
  ConnectionError,
  GlideClient,
  GlideClusterClient,
  type GlideReturnType,
  Script,
} from '@valkey/valkey-glide';
import {
  CONNECT_TIMEOUT_MS,
  type RedisClient,
  type RedisClientOptions,
  reconnectDelay,
} from '../../../packages/server/src/stores/redis/redis-client.js';

type Glide = GlideClient | GlideClusterClient;

function glideOn(connect: () => Promise<Glide>, cluster: boolean): RedisClient {
  const listeners: Array<(state: 'up' | 'down', reason?: string) => void> = [];
  const tell = (state: 'up' | 'down', reason?: string) => {
    for (const listener of listeners) listener(state, reason);
  };
  let closed = false;
  let current: Promise<Glide> | undefined;
  /** The client, connecting (again, after the reconnect delays) until one attempt succeeds. */
  const client = (): Promise<Glide> => {
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
  const watched = async <T>(command: (glide: Glide) => Promise<T>): Promise<T> => {
    try {
      return await command(await client());
    } catch (error) {
      if (error instanceof ConnectionError || error instanceof ClosingError) {
        tell('down', error.message);
      }
      throw error;
    }
  };
  const scripts = new Map<string, Script>();
  /** glide loads a script by its text: a sha it was never given is NOSCRIPT, as Redis says. */
  const scriptOf = (sha: string, text: string | undefined) => {
    if (text !== undefined && !scripts.has(sha)) scripts.set(sha, new Script(text));
    const script = scripts.get(sha);
    if (!script) throw new Error('NOSCRIPT glide has not been given this script yet');
    return script;
  };
  return {
    script: (sha, text, keys, args) =>
      watched((glide) => glide.invokeScript(scriptOf(sha, text), { keys, args })),
    async scriptThenWait(sha, text, keys, args, replicas, timeoutMs) {
      if (cluster) throw new Error('replica acks are not measured on the glide cluster client');
      scriptOf(sha, text);
      const batch = new Batch(false)
        .customCommand(
          text === undefined
            ? ['EVALSHA', sha, String(keys.length), ...keys, ...args]
            : ['EVAL', text, String(keys.length), ...keys, ...args],
        )
        .wait(replicas, timeoutMs);
      const results = (await watched((glide) =>
        (glide as GlideClient).exec(batch, true),
      )) as GlideReturnType[];
      return { reply: results[0], acks: Number(results[1]) };
    },
    zcount: (key, min, max) =>
      watched(async (glide) => Number(await glide.customCommand(['ZCOUNT', key, min, max]))),
    ping: () => watched(async (glide) => void (await glide.ping())),
    onConnection(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      const glide = await current?.catch(() => undefined);
      glide?.close();
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
export function glideClient(url: string, options: RedisClientOptions): RedisClient {
  const { hostname, port } = new URL(url);
  return glideOn(
    () => GlideClient.createClient(configuration([address(`${hostname}:${port}`)], options)),
    false,
  );
}

/** A cluster, from some of its nodes. */
export function glideClusterClient(seeds: ReadonlyArray<string>, options: RedisClientOptions) {
  return glideOn(
    () => GlideClusterClient.createClient(configuration(seeds.map(address), options)),
    true,
  );
}
