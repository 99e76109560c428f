import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axiosTransport,
  type SsmError,
  type SsmSource,
  type SsmTransport,
} from '../../packages/rx-ssm/src/index.js';
import {
  createSsmServer,
  mintContentToken,
  type SsmServer,
} from '../../packages/server/src/index.js';
import {
  type FaultProxy,
  type ProxyPlan,
  type SsmCall,
  startFaultProxy,
} from '../support/fault-proxy.js';
import { type PipelineHarness, pipelineHarness } from '../support/pipeline-harness.js';
import { SPEC_SECRET } from '../support/ssm-server.js';

/**
 * Fault injection between the SDK (axios transport) and the reference server, through a proxy:
 * each fault at each call gives the documented typed error, or the documented retry, and the next
 * intent still works.
 *
 * The server renews every 300 ms and expires a session after 600 ms without renewal. A retry of a
 * heartbeat that got no answer only helps if it reaches the server before that: the heartbeat
 * goes out one period after the last renewal, so all attempts, each bounded by the transport's
 * timeout and spaced by a third of the period, must fit in the one period left. Where a request
 * gets no answer, heartbeats time out after 50 ms (a sixth of the period), setups and teardowns
 * after 100 ms (docs/reliability.md, "Retries need a timeout that fits the period").
 */
const HEARTBEAT_SECONDS = 0.3;
const LIFETIME_MS = HEARTBEAT_SECONDS * 2 * 1000;

/** One fault, and what it does to a request. */
interface Fault {
  name: string;
  /** `refused` stops the proxy listening; anything else is a proxy plan. */
  plan: ProxyPlan | 'refused';
  /** The server acted on the request before the fault hit the answer. */
  reached: boolean;
  /** What the SDK is handed: an HTTP status, or none (no response). */
  status?: number;
  serverCode?: number;
  /** A 2xx the SDK cannot use as a setup or heartbeat answer. */
  malformed?: boolean;
}

const json = (value: unknown) => JSON.stringify(value);
const rewriteJson = (change: (body: Record<string, unknown>) => void) => (upstream: string) => {
  const body = JSON.parse(upstream) as Record<string, unknown>;
  change(body);
  return json(body);
};

const FAULTS: Fault[] = [
  { name: 'connection refused', plan: 'refused', reached: false },
  {
    name: 'reset before the server saw it',
    plan: { kind: 'reset', forwarded: false },
    reached: false,
  },
  { name: 'reset after the server acted', plan: { kind: 'reset', forwarded: true }, reached: true },
  { name: 'cut mid-body', plan: { kind: 'cut-mid-body' }, reached: true },
  {
    name: 'no answer within the timeout',
    plan: { kind: 'hang', forwarded: false },
    reached: false,
  },
  {
    name: '500',
    plan: {
      kind: 'answer',
      status: 500,
      body: json({ errorCode: 1000, message: 'internal error' }),
    },
    reached: false,
    status: 500,
    serverCode: 1000,
  },
  {
    name: '502 with an HTML body',
    plan: {
      kind: 'answer',
      status: 502,
      body: '<html><h1>502 Bad Gateway</h1></html>',
      contentType: 'text/html',
    },
    reached: false,
    status: 502,
  },
  {
    name: '503',
    plan: {
      kind: 'answer',
      status: 503,
      body: json({ errorCode: 1005, message: 'store unavailable' }),
    },
    reached: false,
    status: 503,
    serverCode: 1005,
  },
  {
    name: 'a truncated JSON body',
    plan: {
      kind: 'rewrite',
      body: (upstream) => upstream.slice(0, Math.floor(upstream.length / 2)),
    },
    reached: true,
    status: 200,
    malformed: true,
  },
  {
    name: 'a body that is not JSON',
    plan: { kind: 'rewrite', body: () => 'OK', contentType: 'text/plain' },
    reached: true,
    status: 200,
    malformed: true,
  },
  {
    name: 'a 200 with an HTML body',
    plan: {
      kind: 'rewrite',
      body: () => '<!doctype html><html><body>Welcome to the captive portal</body></html>',
      contentType: 'text/html',
    },
    reached: true,
    status: 200,
    malformed: true,
  },
  {
    name: 'no sessionToken',
    plan: { kind: 'rewrite', body: rewriteJson((body) => delete body.sessionToken) },
    reached: true,
    status: 200,
    malformed: true,
  },
  {
    name: 'heartbeat 0',
    plan: { kind: 'rewrite', body: rewriteJson((body) => Object.assign(body, { heartbeat: 0 })) },
    reached: true,
    status: 200,
  },
  {
    name: 'heartbeat -5',
    plan: { kind: 'rewrite', body: rewriteJson((body) => Object.assign(body, { heartbeat: -5 })) },
    reached: true,
    status: 200,
  },
];

const isPeriodFault = (fault: Fault) => fault.name.startsWith('heartbeat ');
const noResponse = (fault: Fault) => fault.status === undefined;
const transient = (fault: Fault) => noResponse(fault) || (fault.status ?? 0) >= 500;

let server: SsmServer;
let proxy: FaultProxy;
let accounts = 0;
/** The server's clock: real time, plus the jumps that expire sessions left behind. */
let skew = 0;
const clock = () => Date.now() + skew;
/**
 * Short timeouts where a request gets no answer (they are what is tested), a generous one for
 * every other case, so that a busy machine cannot turn a slow answer into a fault.
 */
function transportFor(fault: Fault): SsmTransport {
  if (fault.plan === 'refused' || fault.plan.kind !== 'hang') {
    return axiosTransport(axios, { timeoutMs: 2000 });
  }
  const heartbeat = axiosTransport(axios, { timeoutMs: 50 });
  const lifecycle = axiosTransport(axios, { timeoutMs: 100 });
  return (request) => (request.call === 'heartbeat' ? heartbeat(request) : lifecycle(request));
}

beforeAll(async () => {
  server = createSsmServer({
    logger: false,
    secret: SPEC_SECRET,
    clock,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    minHeartbeatSeconds: HEARTBEAT_SECONDS,
    // Sessions expire after two periods, the first one too: drained() counts on that.
    firstExpiryFloorSeconds: 0,
    sweepIntervalMs: false,
  });
  proxy = await startFaultProxy({ upstream: await server.listen(0) });
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

/** A fresh account with two contents, and a pipeline to drive. */
async function bench(mode: 'async' | 'sync', fault: Fault) {
  accounts += 1;
  const accountId = `faults-${accounts}`;
  const url = `${proxy.url}/acme/ssm`;
  const [ta, tb] = await Promise.all(
    ['a', 'b'].map((contentId) =>
      mintContentToken({ secret: SPEC_SECRET, accountId, contentId, maxSessions: 5, now: clock() }),
    ),
  );
  const a: SsmSource = { src: 'a.mpd', token: ta, ssmServerUrl: url };
  const b: SsmSource = { src: 'b.mpd', token: tb, ssmServerUrl: url };
  proxy.plan = () => ({ kind: 'pass' });
  const pipeline = pipelineHarness(transportFor(fault), { syncMode: mode === 'sync' });
  const live = () => server.liveSessions(accountId);
  return { a, b, pipeline, live };
}

/** Injects `fault` into the next `times` requests of `call`. */
async function inject(call: SsmCall, fault: Fault, times: number): Promise<() => Promise<void>> {
  if (fault.plan === 'refused') {
    // Refusing is all or nothing: the proxy is closed now and opened again by the returned call.
    await proxy.refuse();
    return () => proxy.accept();
  }
  let left = times;
  const plan = fault.plan;
  proxy.plan = (request) => {
    if (request.call !== call || left <= 0) return { kind: 'pass' };
    left -= 1;
    return plan;
  };
  return async () => {
    proxy.plan = () => ({ kind: 'pass' });
  };
}

/** The typed error a fault gives at `call`. */
function expectTypedError(error: SsmError | undefined, fault: Fault, call: SsmCall) {
  const code = { setup: 6001, heartbeat: 6003, teardown: 6002 }[call];
  expect(error).toMatchObject({ name: 'SsmError', code, kind: call, fatal: call !== 'teardown' });
  if (noResponse(fault)) {
    expect(error).not.toHaveProperty('httpStatus');
    expect(error?.message).toMatch(new RegExp(`^SSM ${call} got no response: `));
  } else {
    expect(error?.httpStatus).toBe(fault.status);
    expect(error?.serverCode).toBe(fault.serverCode);
  }
  expect(error?.source?.src).toBeDefined();
}

/**
 * Lets the server expire what a fault left behind (its clock jumps past a session's lifetime),
 * then checks it holds nothing of the account. Called only when no session is wanted.
 */
async function drained(live: () => Promise<number>) {
  skew += LIFETIME_MS + 1;
  expect(await live()).toBe(0);
}

/** The next intent works: `play$` sets up a fresh session, a stop tears it down, nothing left. */
async function nextIntentWorks(pipeline: PipelineHarness, live: () => Promise<number>) {
  pipeline.play$.next();
  await pipeline.until((s) => s.status === 'active', 'play to set up a fresh session');
  pipeline.stop$.next();
  await pipeline.until((s) => s.status === 'idle', 'the stop to end in idle');
  expect(await live()).toBe(0);
  expect(pipeline.ledger.violations).toEqual([]);
  pipeline.unsubscribe();
}

describe.each(['async', 'sync'] as const)('%s', (mode) => {
  describe('setup', () => {
    it.each(FAULTS)('$name → 6001, then play works', async (fault) => {
      const { a, pipeline, live } = await bench(mode, fault);
      const restore = await inject('setup', fault, 1);
      pipeline.source$.next(a);
      const failed = await pipeline.until((s) => s.status === 'error', 'the setup error');
      await restore();

      if (isPeriodFault(fault)) {
        // Granted with an unusable period: the SDK tears that session down at once.
        expect(pipeline.errors[0]?.message).toMatch(/answered HTTP 200 but with heartbeat -?\d/);
        await pipeline.waitFor(
          () => pipeline.ledger.exchanges.some((e) => e.call === 'teardown' && e.status === 200),
          'the teardown of the unusable session',
        );
        expect(await live()).toBe(0);
        expectTypedError(pipeline.errors[0], { ...fault, status: 200 }, 'setup');
      } else {
        expectTypedError(pipeline.errors[0], fault, 'setup');
        if (fault.malformed) expect(pipeline.errors[0]?.message).toMatch(/without a sessionToken/);
        // A session the server granted but whose answer never arrived is the server's to expire.
        expect(await live()).toBe(fault.reached ? 1 : 0);
        await drained(live);
      }
      expect(failed.status === 'error' && failed.error).toBe(pipeline.errors[0]);
      expect(pipeline.errors).toHaveLength(1);
      await nextIntentWorks(pipeline, live);
    });
  });

  describe('heartbeat', () => {
    it.each(FAULTS)(
      '$name, once → the documented retry or 6003; then play works',
      async (fault) => {
        const { a, pipeline, live } = await bench(mode, fault);
        pipeline.source$.next(a);
        const first = await pipeline.until((s) => s.status === 'active', 'the first session');
        const restore = await inject('heartbeat', fault, 1);
        const heartbeats = () => pipeline.ledger.exchanges.filter((e) => e.call === 'heartbeat');
        if (fault.plan === 'refused') {
          await pipeline.waitFor(() => heartbeats()[0]?.noResponse === true, 'a refused heartbeat');
          await restore();
        }

        if (transient(fault)) {
          // Retried within the period, with the same token; the retry renews the session. When
          // the server had renewed it and the answer was lost, it repeats that answer.
          await pipeline.waitFor(
            () => heartbeats().some((e) => e.status === 200),
            'a retry that renews the session',
          );
          const [failedOnce, retried] = heartbeats();
          expect(failedOnce?.status === undefined || (failedOnce.status ?? 0) >= 500).toBe(true);
          expect(retried?.token).toBe(failedOnce?.token);
          await pipeline.until(
            (s) =>
              s.status === 'active' &&
              first.status === 'active' &&
              s.sessionToken !== first.sessionToken,
            'active with the rotated token',
          );
          expect(pipeline.errors).toEqual([]);
          pipeline.stop$.next();
          await pipeline.until((s) => s.status === 'idle', 'idle after the stop');
          expect(await live()).toBe(0);
          pipeline.unsubscribe();
          return;
        }
        if (isPeriodFault(fault)) {
          // A renewal with an unusable period keeps the old period, and the session goes on.
          await pipeline.waitFor(() => heartbeats().length >= 3, 'two more heartbeats');
          const [, second, third] = heartbeats();
          expect((third?.sentAt ?? 0) - (second?.sentAt ?? 0)).toBeGreaterThan(
            HEARTBEAT_SECONDS * 1000 * 0.6,
          );
          expect(pipeline.errors).toEqual([]);
          expect(pipeline.last()?.status).toBe('active');
          pipeline.stop$.next();
          await pipeline.until((s) => s.status === 'idle', 'idle after the stop');
          expect(await live()).toBe(0);
          pipeline.unsubscribe();
          return;
        }
        const failed = await pipeline.until((s) => s.status === 'error', 'the heartbeat error');
        // A 2xx the SDK cannot use is not worth a retry.
        expectTypedError(pipeline.errors[0], fault, 'heartbeat');
        expect(heartbeats()).toHaveLength(1);
        expect(failed.status === 'error' && failed.error).toBe(pipeline.errors[0]);
        // No further request for that session: the server expires it.
        const sent = pipeline.ledger.exchanges.length;
        await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_SECONDS * 1000 * 1.2));
        expect(pipeline.ledger.exchanges).toHaveLength(sent);
        await drained(live);
        await nextIntentWorks(pipeline, live);
      },
    );

    it.each(FAULTS.filter((fault) => transient(fault) && !fault.reached))(
      '$name, every time → 6003 after two retries with the same token; then play works',
      async (fault) => {
        const { a, pipeline, live } = await bench(mode, fault);
        pipeline.source$.next(a);
        await pipeline.until((s) => s.status === 'active', 'the first session');
        const restore = await inject('heartbeat', fault, Number.POSITIVE_INFINITY);
        await pipeline.until((s) => s.status === 'error', 'the heartbeat error');
        await restore();
        const heartbeats = pipeline.ledger.exchanges.filter((e) => e.call === 'heartbeat');
        expect(heartbeats).toHaveLength(3);
        expect(new Set(heartbeats.map((e) => e.token)).size).toBe(1);
        expectTypedError(pipeline.errors[0], fault, 'heartbeat');
        expect(pipeline.errors).toHaveLength(1);
        await drained(live);
        await nextIntentWorks(pipeline, live);
      },
    );
  });

  describe('teardown', () => {
    it.each(FAULTS)(
      '$name → 6002 (not fatal, state unaffected) or success; then play works',
      async (fault) => {
        const { a, pipeline, live } = await bench(mode, fault);
        pipeline.source$.next(a);
        await pipeline.until((s) => s.status === 'active', 'the first session');
        const restore = await inject('teardown', fault, 1);
        pipeline.stop$.next();
        await pipeline.until((s) => s.status === 'idle', 'idle after the stop');
        await restore();
        if (fault.status !== undefined && fault.status < 300) {
          // Any 2xx answer to a teardown is a success: its body is ignored.
          expect(pipeline.errors).toEqual([]);
        } else {
          expectTypedError(pipeline.errors[0], fault, 'teardown');
          expect(pipeline.errors).toHaveLength(1);
        }
        expect(pipeline.states.some((s) => s.status === 'error')).toBe(false);
        expect(await live()).toBe(fault.reached ? 0 : 1);
        await drained(live);
        await nextIntentWorks(pipeline, live);
      },
    );

    // Refusing connections cannot single out the teardown: the new setup would be refused too.
    it.each(FAULTS.filter((fault) => transient(fault) && fault.plan !== 'refused'))(
      '$name during a zap → 6002, and the new session is not affected',
      async (fault) => {
        const { a, b, pipeline, live } = await bench(mode, fault);
        pipeline.source$.next(a);
        await pipeline.until((s) => s.status === 'active', 'the first session');
        const restore = await inject('teardown', fault, 1);
        pipeline.source$.next(b);
        await pipeline.until((s) => s.status === 'active' && s.source.src === 'b.mpd', 'b active');
        await restore();
        await pipeline.waitFor(() => pipeline.errors.length > 0, 'the teardown error');
        expectTypedError(pipeline.errors[0], fault, 'teardown');
        expect(pipeline.last()).toMatchObject({ status: 'active', source: { src: 'b.mpd' } });
        pipeline.stop$.next();
        await pipeline.until((s) => s.status === 'idle', 'idle after the stop');
        await drained(live);
        expect(pipeline.errors).toHaveLength(1);
        pipeline.unsubscribe();
      },
    );
  });
});
