import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axiosTransport, type SsmSource, type SsmState } from '../../packages/rx-ssm/src/index.js';
import { redisStore, type SsmStore } from '../../packages/server/src/index.js';
import { type PipelineHarness, pipelineHarness } from '../support/pipeline-harness.js';
import { type RedisProcess, startRedis } from '../support/redis.js';
import { request } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * A Redis outage as the SDK sees it (packages/server/spec/redis-outage.spec.ts has the server's view): the
 * server reaches a real `redis-server` through a TCP relay, so the spec can kill Redis (its data
 * is gone when it comes back) or cut the link for a moment (Redis keeps its data). The server
 * renews every 900 ms; the SDK retries a failed heartbeat twice, 300 ms apart.
 */
const HEARTBEAT_SECONDS = 0.9;

let redis: RedisProcess;
let link: TcpProxy;
let store: SsmStore;
let spec: SpecServer;
const logLines: string[] = [];
let accounts = 0;

beforeAll(async () => {
  redis = await startRedis();
  link = await startTcpProxy(redis.port);
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  store = redisStore(`redis://127.0.0.1:${link.port}`, { logger, keyPrefix: 'outage-sdk:' });
  spec = await startSpecServer({
    store,
    logger,
    clock: Date.now,
    heartbeatSeconds: HEARTBEAT_SECONDS,
  });
});

afterAll(async () => {
  await spec?.server.close();
  await store?.close();
  await link?.close();
  await redis?.stop();
});

async function bench() {
  accounts += 1;
  const accountId = `outage-${accounts}`;
  const token = await spec.contentToken({ accountId, maxSessions: 3, now: Date.now() });
  const a: SsmSource = { src: 'a.mpd', token, ssmServerUrl: `${spec.origin}/acme/ssm` };
  const pipeline = pipelineHarness(axiosTransport());
  return { a, pipeline, live: () => spec.server.liveSessions(accountId) };
}

const active = (s: SsmState) => s.status === 'active';
const heartbeats = (pipeline: PipelineHarness) =>
  pipeline.ledger.exchanges.filter((exchange) => exchange.call === 'heartbeat');

/** Starts Redis again and waits until the server can reach it. */
async function redisBack(pipeline: PipelineHarness) {
  await redis.start();
  let healthy = false;
  await pipeline.waitFor(
    () => {
      void request(`${spec.origin}/healthz`).then((r) => {
        healthy = r.status === 200;
      });
      return healthy;
    },
    'the server to reach Redis again',
    5000,
  );
}

/** Once Redis is back, play sets up a session and a stop leaves the server none. */
async function playsOnceRedisIsBack(pipeline: PipelineHarness, live: () => Promise<number>) {
  await redisBack(pipeline);
  pipeline.play$.next();
  await pipeline.until(active, 'active after play');
  pipeline.stop$.next();
  await pipeline.until((s) => s.status === 'idle', 'idle');
  expect(await live()).toBe(0);
  pipeline.unsubscribe();
}

describe('Redis killed', () => {
  it('a setup gets 6001 with HTTP 503 (1005); once Redis is back, play sets up a session', async () => {
    const { a, pipeline, live } = await bench();
    await redis.stop();
    pipeline.source$.next(a);
    await pipeline.until((s) => s.status === 'error', 'the setup error');
    expect(pipeline.errors).toHaveLength(1);
    expect(pipeline.errors[0]).toMatchObject({
      code: 6001,
      fatal: true,
      httpStatus: 503,
      serverCode: 1005,
    });
    await playsOnceRedisIsBack(pipeline, live);
  });

  it('heartbeats get 503 (1005), retried twice, then 6003; once Redis is back (empty), play works', async () => {
    const { a, pipeline, live } = await bench();
    pipeline.source$.next(a);
    await pipeline.until(active, 'the first session');
    await redis.stop();
    await pipeline.until((s) => s.status === 'error', 'the heartbeat error', 5000);
    const attempts = heartbeats(pipeline);
    expect(attempts.map((exchange) => exchange.status)).toEqual([503, 503, 503]);
    expect(new Set(attempts.map((exchange) => exchange.token)).size).toBe(1);
    expect(pipeline.errors).toHaveLength(1);
    expect(pipeline.errors[0]).toMatchObject({
      code: 6003,
      fatal: true,
      httpStatus: 503,
      serverCode: 1005,
    });
    await playsOnceRedisIsBack(pipeline, live);
  });

  it('a teardown gets 6002 (not fatal) with HTTP 503; the state is idle; play works once Redis is back', async () => {
    const { a, pipeline, live } = await bench();
    pipeline.source$.next(a);
    await pipeline.until(active, 'the first session');
    await redis.stop();
    pipeline.stop$.next();
    await pipeline.until((s) => s.status === 'idle', 'idle after the stop');
    expect(pipeline.errors).toHaveLength(1);
    expect(pipeline.errors[0]).toMatchObject({
      code: 6002,
      fatal: false,
      httpStatus: 503,
      serverCode: 1005,
    });
    expect(pipeline.states.some((s) => s.status === 'error')).toBe(false);
    await playsOnceRedisIsBack(pipeline, live);
  });
});

describe('the link to Redis cut for a moment (Redis keeps its data)', () => {
  it('the 503 heartbeat is retried within the period: no error, the session goes on', async () => {
    const { a, pipeline, live } = await bench();
    pipeline.source$.next(a);
    await pipeline.until(active, 'the first session');
    // Cut just before the first heartbeat, restore once it failed.
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_SECONDS * 1000 - 60));
    await link.cut();
    await pipeline.waitFor(() => heartbeats(pipeline)[0]?.status === 503, 'a 503 heartbeat');
    await link.restore();
    await pipeline.waitFor(
      () => heartbeats(pipeline).filter((exchange) => exchange.status === 200).length >= 2,
      'the retry, then the next heartbeat, to renew the session',
      5000,
    );
    const [failed, retried] = heartbeats(pipeline);
    expect(retried?.token).toBe(failed?.token);
    expect(retried?.status).toBe(200);
    expect(pipeline.errors).toEqual([]);
    expect(pipeline.last()?.status).toBe('active');
    expect(await live()).toBe(1);
    pipeline.stop$.next();
    await pipeline.until((s) => s.status === 'idle', 'idle');
    expect(await live()).toBe(0);
    pipeline.unsubscribe();
  });

  it('the outage was logged, without a token', () => {
    const log = logLines.join('');
    expect(log).toContain('redis is unreachable');
    expect(log).toContain('redis is reachable again');
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no content token (a JWS)
    expect(log).not.toMatch(/"(sessionToken|token)":"[A-Za-z0-9_-]{20,}"/);
  });
});
