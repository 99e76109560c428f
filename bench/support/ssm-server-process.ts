// One server in its own process, so its CPU and heap are not the benchmark client's: the
// reference SSM server on the memory or the Redis store, or a bare node:http handler that
// answers the same JSON. Configured by environment, reports its origin over IPC, answers
// 'usage' with its CPU time and 'stop' by exiting.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSsmServer, memoryStore, type SsmStore } from '../../packages/server/src/index.js';
import { clientOptions, redisStoreOn } from '../../packages/server/src/stores/redis/redis-store.js';
import { type RedisClientName, redisClientMaker } from './redis-clients/index.js';

/** What a server process runs. */
export type ServerKind = 'bare' | 'memory' | 'redis';

/** A message from the server process. */
export type ServerMessage =
  | { type: 'listening'; origin: string }
  | { type: 'usage'; cpuMicros: number; heapUsed: number };

const kind = (process.env.BENCH_SERVER ?? 'memory') as ServerKind;
const heartbeatSeconds = Number(process.env.BENCH_HEARTBEAT_SECONDS ?? 5);
const send = (message: ServerMessage) => process.send?.(message);

/**
 * What the reference server does for a session call minus the session: read the JSON body,
 * answer what the server answers, with the same fields and lengths (a setup its session token,
 * period and session id, a heartbeat its token and period, a teardown `{}`) and the same headers.
 */
function bareHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => {
    const text = Buffer.concat(chunks).toString('utf8').trim();
    JSON.parse(text === '' ? '{}' : text);
    const body = req.url?.endsWith('/teardown')
      ? {}
      : {
          sessionToken: 'bare-session-token-of-45-characters-length-00',
          heartbeat: heartbeatSeconds,
          ...(req.url?.endsWith('/setup') && { sessionId: 's.bare-session-id-of-24c' }),
        };
    const json = JSON.stringify(body);
    res
      .writeHead(200, {
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        Vary: 'Origin',
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(json),
      })
      .end(json);
  });
}

/**
 * The Redis store on the client `BENCH_REDIS_CLIENT` names (default `@redis/client`, the
 * store's own), on one node (`BENCH_REDIS_URL`) or a cluster (`BENCH_REDIS_SEEDS`).
 */
async function benchRedisStore(): Promise<SsmStore> {
  const options = { keyPrefix: process.env.BENCH_REDIS_PREFIX ?? 'rx-ssm-bench:' };
  const seeds = process.env.BENCH_REDIS_SEEDS;
  const make = await redisClientMaker(
    (process.env.BENCH_REDIS_CLIENT ?? '@redis/client') as RedisClientName,
  );
  const target = seeds ? { seeds: seeds.split(',') } : { url: process.env.BENCH_REDIS_URL ?? '' };
  return redisStoreOn(make(target, clientOptions(options)), options);
}

async function start(): Promise<{ origin: string; close: () => Promise<void> }> {
  if (kind === 'bare') {
    const http = createServer(bareHandler);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return {
      origin: `http://127.0.0.1:${port}`,
      close: () => new Promise((resolve) => http.close(() => resolve())),
    };
  }
  const store: SsmStore = kind === 'redis' ? await benchRedisStore() : memoryStore();
  const server = createSsmServer({
    store,
    logger: false,
    secret: process.env.BENCH_SECRET ?? '',
    // Public keys too, for benchmarks of tokens signed with a private key.
    ...(process.env.BENCH_JWKS && { jwks: JSON.parse(process.env.BENCH_JWKS) }),
    heartbeatSeconds,
  });
  const origin = await server.listen(0);
  return {
    origin,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

const { origin, close } = await start();
process.on('message', (message) => {
  if (message === 'usage') {
    const { user, system } = process.cpuUsage();
    send({ type: 'usage', cpuMicros: user + system, heapUsed: process.memoryUsage().heapUsed });
  }
  if (message === 'stop') void close().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
send({ type: 'listening', origin });
