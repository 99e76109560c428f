import {
  BehaviorSubject,
  filter,
  firstValueFrom,
  type Observable,
  Subject,
  switchMap,
  timeout,
  timer,
} from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axiosTransport,
  type SsmError,
  type SsmSource,
  type SsmState,
  type SsmTransport,
  ssmSession,
} from '../../packages/rx-ssm/src/index.js';
import { ssmRequest } from '../../packages/rx-ssm/src/wire/wire.js';
import { memoryStore, redisClusterStore, redisStore } from '../../packages/server/src/index.js';
import { recorded } from '../support/recorded-transport.js';
import { type RedisProcess, startRedis } from '../support/redis.js';
import { type RedisCluster, sharedRedisCluster } from '../support/redis-cluster.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

const until = (state$: Observable<SsmState>, test: (s: SsmState) => boolean, ms = 5000) =>
  firstValueFrom(state$.pipe(filter(test), timeout(ms)));

const isActive = (src: string) => (s: SsmState) => s.status === 'active' && s.source.src === src;

describe.each([
  ['memory store', async () => ({ store: memoryStore(), stop: async () => {} })],
  [
    'Redis store',
    async () => {
      const redis: RedisProcess = await startRedis();
      return { store: redisStore(redis.url), stop: () => redis.stop() };
    },
  ],
  [
    'Redis Cluster store',
    async () => {
      const cluster: RedisCluster = await sharedRedisCluster();
      const store = redisClusterStore(cluster.seeds.split(','));
      return {
        store,
        stop: async () => {
          await store.close();
          await cluster.stop();
        },
      };
    },
  ],
])('the SDK with its default transport against the reference server (%s)', (_name, makeStore) => {
  let spec: SpecServer;
  let stopStore: () => Promise<void>;
  let account = 0;

  beforeAll(async () => {
    const { store, stop } = await makeStore();
    stopStore = stop;
    spec = await startSpecServer({ heartbeatSeconds: 1, store });
  });
  afterAll(async () => {
    await spec.server.close();
    await stopStore();
  });

  /** A source of a fresh account, so specs don't share a limit. */
  async function source(options: { account?: string; content?: string; max?: number } = {}) {
    const accountId = options.account ?? `acct-${++account}`;
    const contentId = options.content ?? 'channel-1';
    const token = await spec.contentToken({ accountId, contentId, maxSessions: options.max ?? 2 });
    return {
      accountId,
      source: { src: `${contentId}.mpd`, token, ssmServerUrl: `${spec.origin}/ssm` } as SsmSource,
    };
  }

  it('sets up, heartbeats every second with a rotating token, and tears down on stop', async () => {
    const { accountId, source: a } = await source();
    const { send, sent } = recorded();
    const stop$ = new Subject<void>();
    const { session$, authorization$ } = ssmSession(
      { source$: new BehaviorSubject(a), stop$ },
      { transport: send },
    );
    const tokens: string[] = [];
    const authorizations: Array<string | null> = [];
    const subscription = session$.subscribe(
      (s) => s.status === 'active' && tokens.push(s.sessionToken),
    );
    subscription.add(authorization$.subscribe((value) => authorizations.push(value)));

    await until(session$, (s) => s.status === 'active' && tokens.length === 3, 4000);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
    expect(new Set(tokens).size).toBe(3);
    expect(authorizations.slice(1)).toEqual(tokens.map((t) => `${a.token},${t}`));
    stop$.next();
    await until(session$, (s) => s.status === 'idle');
    subscription.unsubscribe();

    expect(sent.map((r) => r.call)).toEqual(['setup', 'heartbeat', 'heartbeat', 'teardown']);
    expect(sent.map((r) => r.token)).toEqual([a.token, tokens[0], tokens[1], tokens[2]]);
    expect(await spec.server.liveSessions(accountId)).toBe(0);
  });

  it('a second device past the limit is refused: 6001, isSessionLimit, HTTP 403, 1007', async () => {
    const first = await source({ max: 1 });
    const second = await source({ account: first.accountId, content: 'channel-2', max: 1 });
    const one = ssmSession({ source$: new BehaviorSubject(first.source) });
    const held = one.session$.subscribe();
    await until(one.session$, isActive(first.source.src));

    const two = ssmSession({ source$: new BehaviorSubject(second.source) });
    const errors: SsmError[] = [];
    const watching = two.errors$.subscribe((e) => errors.push(e));
    const refused = await until(two.session$, (s) => s.status === 'error');
    watching.unsubscribe();
    held.unsubscribe();

    expect(refused.status === 'error' && refused.error).toMatchObject({
      code: 6001,
      isSessionLimit: true,
      httpStatus: 403,
      serverCode: 1007,
    });
    expect(errors).toHaveLength(1);
    await expect.poll(() => spec.server.liveSessions(first.accountId)).toBe(0);
  });

  it('an expired session frees its slot (server clock moved past two periods)', async () => {
    const first = await source({ max: 1 });
    const second = await source({ account: first.accountId, content: 'channel-2', max: 1 });
    // The first device goes to the background: no heartbeat renews its session.
    const one = ssmSession({
      source$: new BehaviorSubject(first.source),
      appState$: new BehaviorSubject('background' as const),
    });
    const held = one.session$.subscribe();
    await until(one.session$, isActive(first.source.src));

    const play$ = new Subject<void>();
    const two = ssmSession({ source$: new BehaviorSubject(second.source), play$ });
    const watching = two.session$.subscribe();
    await until(two.session$, (s) => s.status === 'error');
    spec.advance(2_001);
    play$.next();
    await until(two.session$, isActive(second.source.src));
    expect(await spec.server.liveSessions(first.accountId)).toBe(1);
    watching.unsubscribe();
    held.unsubscribe();
    await expect.poll(() => spec.server.liveSessions(first.accountId)).toBe(0);
  });

  /** Zaps from one channel to another of an account whose limit is 1; the calls sent. */
  async function zapAtTheLimit(options: { syncMode?: boolean; transport?: SsmTransport }) {
    const a = await source({ max: 1 });
    const b = await source({ account: a.accountId, content: 'channel-2', max: 1 });
    const { send, sent } = recorded(options.transport);
    const source$ = new BehaviorSubject(a.source);
    const { session$, errors$ } = ssmSession({ source$ }, { ...options, transport: send });
    const errors: SsmError[] = [];
    const subscription = errors$.subscribe((e) => errors.push(e));
    subscription.add(session$.subscribe());
    await until(session$, isActive(a.source.src));
    source$.next(b.source);
    await until(session$, isActive(b.source.src));
    subscription.unsubscribe();
    await expect.poll(() => spec.server.liveSessions(a.accountId)).toBe(0);
    expect(errors).toEqual([]);
    return sent.map((r) => r.call);
  }

  it('an async zap at the limit succeeds through the limit-aware retry, with no error', async () => {
    // The old teardown reaches the server after the new setup, as on a slow uplink.
    const axios = axiosTransport();
    const calls = await zapAtTheLimit({
      transport: (req) =>
        req.call === 'teardown' ? timer(150).pipe(switchMap(() => axios(req))) : axios(req),
    });
    expect(calls).toEqual(['setup', 'teardown', 'setup', 'setup', 'teardown']);
  });

  it('a sync zap at the limit tears down first, then sets up', async () => {
    const calls = await zapAtTheLimit({ syncMode: true });
    expect(calls).toEqual(['setup', 'teardown', 'setup', 'teardown']);
  });

  it.each([false, true])(
    'a random storm of zaps and stops ending in stop leaves 0 sessions (sync: %s)',
    async (syncMode) => {
      const accountId = `storm-${syncMode}`;
      const channels = await Promise.all(
        [1, 2, 3].map((n) => source({ account: accountId, content: `channel-${n}`, max: 3 })),
      );
      const sources = [...channels.map((c) => c.source), null];
      const source$ = new BehaviorSubject<SsmSource | null>(channels[0]?.source ?? null);
      const stop$ = new Subject<void>();
      const play$ = new Subject<void>();
      const { session$ } = ssmSession({ source$, stop$, play$ }, { syncMode });
      const subscription = session$.subscribe();
      let seed = syncMode ? 7 : 11;
      const random = () => {
        seed = (seed * 48271) % 2147483647;
        return seed / 2147483647;
      };
      for (let i = 0; i < 40; i += 1) {
        const roll = random();
        if (roll < 0.6) source$.next(sources[Math.floor(random() * sources.length)] ?? null);
        else if (roll < 0.8) stop$.next();
        else play$.next();
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 15)));
      }
      stop$.next();
      await until(session$, (s) => s.status === 'idle');
      subscription.unsubscribe();
      await expect.poll(() => spec.server.liveSessions(accountId), { timeout: 3000 }).toBe(0);
    },
  );

  it('a token two rotations old is refused when replayed (1003); only the last renewal is replayed', async () => {
    const { source: a } = await source();
    const { session$ } = ssmSession({ source$: new BehaviorSubject(a) });
    const tokens: string[] = [];
    const subscription = session$.subscribe(
      (s) => s.status === 'active' && tokens.push(s.sessionToken),
    );
    await until(session$, () => tokens.length === 3, 4000);
    const replay = await firstValueFrom(
      axiosTransport()(ssmRequest('heartbeat', a, tokens[0] ?? '')),
    );
    subscription.unsubscribe();
    expect(replay.status).toBe(401);
    expect(JSON.parse(String(replay.body))).toMatchObject({ errorCode: 1003 });
  });
});
