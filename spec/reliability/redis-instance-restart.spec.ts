import { afterAll, beforeAll, expect, it } from 'vitest';
import { axiosTransport, type SsmSource } from '../../packages/rx-ssm/src/index.js';
import { mintContentToken, redisStore, type SsmStore } from '../../packages/server/src/index.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type PipelineHarness, pipelineHarness } from '../support/pipeline-harness.js';
import { type RedisProcess, startRedis } from '../support/redis.js';
import {
  bundleServerProcess,
  type ServerProcess,
  startServerProcess,
} from '../support/server-process.js';

/**
 * Two server processes share one Redis behind a round-robin balancer (the fault proxy, which
 * skips an instance that refuses connections). Restarting one of them loses no session: while it
 * is down every heartbeat goes to the other, and once it is back it serves sessions it never set
 * up. The state lives in Redis, not in either process.
 */
const secret = 'restart-secret-of-at-least-32-bytes!!';
const HEARTBEAT_SECONDS = 0.3;
const PERIOD_MS = HEARTBEAT_SECONDS * 1000;

let redis: RedisProcess;
let bundle: { file: string; remove: () => Promise<void> };
let instances: ServerProcess[] = [];
let balancer: FaultProxy;
let store: SsmStore;

const start = (port?: number) =>
  startServerProcess(bundle.file, {
    redisUrl: redis.url,
    secret,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    ...(port !== undefined && { port }),
  });

beforeAll(async () => {
  [redis, bundle] = await Promise.all([startRedis(), bundleServerProcess()]);
  instances = await Promise.all([start(), start()]);
  const origins = instances.map((instance) => instance.url);
  balancer = await startFaultProxy({ upstream: () => origins });
  store = redisStore(redis.url);
});

afterAll(async () => {
  await balancer?.close();
  await Promise.all(instances.map((instance) => instance.stop()));
  await store?.close();
  await redis?.stop();
  await bundle?.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('restarting one of two instances loses no session', async () => {
  const accountId = 'restart';
  const pipelines: PipelineHarness[] = [];
  for (const content of ['a', 'b', 'c', 'd']) {
    const token = await mintContentToken({ secret, accountId, contentId: content, maxSessions: 4 });
    const source: SsmSource = { src: `${content}.mpd`, token, ssmServerUrl: `${balancer.url}/ssm` };
    const pipeline = pipelineHarness(axiosTransport());
    pipeline.source$.next(source);
    pipelines.push(pipeline);
  }
  for (const pipeline of pipelines) await pipeline.until((s) => s.status === 'active', 'active');
  await sleep(2 * PERIOD_MS);
  expect(await store.count(accountId)).toBe(4);

  const [first, second] = instances as [ServerProcess, ServerProcess];
  const port = Number(new URL(first.url).port);
  await first.stop();
  const downSince = balancer.seen.length;
  await sleep(3 * PERIOD_MS); // longer than a session lives without renewal (two periods)
  // Answered heartbeats (one may still be in flight, or meet a connection the stopped instance
  // just closed: the SDK retries that one) all came from the instance that stayed up.
  const whileDown = balancer.seen
    .slice(downSince)
    .filter((r) => r.call === 'heartbeat' && r.upstream !== undefined);
  expect(whileDown.length).toBeGreaterThanOrEqual(8);
  expect(new Set(whileDown.map((r) => r.upstream))).toEqual(new Set([second.url]));
  expect(await store.count(accountId)).toBe(4);

  const restarted = await start(port);
  instances = [restarted, second];
  expect(restarted.url).toBe(first.url);
  const backSince = balancer.seen.length;
  await sleep(3 * PERIOD_MS);
  const afterRestart = balancer.seen.slice(backSince).filter((r) => r.call === 'heartbeat');
  expect(afterRestart.map((r) => r.upstream)).toContain(restarted.url);

  for (const pipeline of pipelines) {
    expect(pipeline.errors).toEqual([]);
    expect(pipeline.last()?.status).toBe('active');
    expect(pipeline.ledger.violations).toEqual([]);
  }
  expect(await store.count(accountId)).toBe(4);

  for (const pipeline of pipelines) pipeline.stop$.next();
  for (const pipeline of pipelines) {
    await pipeline.until((s) => s.status === 'idle', 'idle after the stop');
    pipeline.unsubscribe();
  }
  expect(await store.count(accountId)).toBe(0);
});
