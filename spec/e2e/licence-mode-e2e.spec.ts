import { BehaviorSubject, filter, firstValueFrom, type Observable, Subject, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LicenceAnswer,
  licenseHeaders,
  type SsmError,
  type SsmSession,
  type SsmSource,
  type SsmState,
  ssmSession,
} from '../../packages/rx-ssm/src/index.js';
import {
  type LicenceTokenPolicy,
  memoryStore,
  redisStore,
  type SsmStore,
} from '../../packages/server/src/index.js';
import { recorded } from '../support/recorded-transport.js';
import { type RedisProcess, startRedis } from '../support/redis.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

const keys = {
  'channel-1': [{ kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' }],
  'channel-2': [{ kid: 'a2lkLXR3by0xMjM0NTY3OA', k: 'a2V5LXR3by0xMjM0NTY3OA' }],
};

const until = (state$: Observable<SsmState>, test: (s: SsmState) => boolean, ms = 8000) =>
  firstValueFrom(state$.pipe(filter(test), timeout(ms)));

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

// Both licence-token policies of the server: the SDK works unchanged against either.
describe.each<[string, LicenceTokenPolicy, () => SsmStore]>([
  ['memory store', 'rotate', () => memoryStore()],
  ['Redis store', 'rotate', () => redisStore(redis.url, { keyPrefix: 'licence-e2e:' })],
  ['memory store', 'stable', () => memoryStore()],
  ['Redis store', 'stable', () => redisStore(redis.url, { keyPrefix: 'licence-e2e-stable:' })],
])(
  'licence-driven sessions against the reference server (%s, licence tokens %s)',
  (_name, licenceTokens, open) => {
    let spec: SpecServer;
    let store: SsmStore;
    let accounts = 0;

    beforeAll(async () => {
      store = open();
      // The real clock: sessions expire unless something renews them.
      spec = await startSpecServer({
        heartbeatSeconds: 1,
        store,
        clock: Date.now,
        clearKeys: keys,
        licenceTokens,
      });
    });
    afterAll(async () => {
      await spec?.server.close();
      await store?.close();
    });

    async function enforcedSource(options: { account?: string; content?: string; max?: number }) {
      const accountId = options.account ?? `licence-${++accounts}`;
      const contentId = options.content ?? 'channel-1';
      const token = await spec.contentToken({
        accountId,
        contentId,
        maxSessions: options.max ?? 2,
        drmEnforced: true,
      });
      const source: SsmSource = {
        src: `${contentId}.mpd`,
        token,
        ssmServerUrl: `${spec.origin}/ssm`,
      };
      return { accountId, source };
    }

    /**
     * What a player does with ClearKey: a licence request with the session's headers as soon as
     * the session is active, and again whenever the session asks for a renewal; each answer is
     * handed back to the session. `renewing: false` stops answering renewals; `holdMs` holds each
     * answer that long before handing it back (`answered$` tells when the server has answered).
     */
    function clearKeyPlayer(source$: BehaviorSubject<SsmSource | null>) {
      const licence$ = new Subject<LicenceAnswer>();
      const answered$ = new Subject<void>();
      const licences: string[] = [];
      const control = { renewing: true, holdMs: 0 };
      async function requestLicence(src: string, headers: Record<string, string>) {
        const response = await fetch(`${spec.origin}/license/clearkey`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ kids: [], type: 'temporary' }),
        });
        const body = (await response.json()) as { sessionToken?: string; keys?: unknown[] };
        if (!response.ok) return;
        licences.push(body.sessionToken ?? '');
        answered$.next();
        if (control.holdMs > 0) await new Promise((resolve) => setTimeout(resolve, control.holdMs));
        licence$.next({ src, sessionToken: body.sessionToken, keySystem: 'org.w3.clearkey' });
      }
      const wire = (session: SsmSession) => {
        const first = session.session$
          .pipe(filter((s) => s.status === 'active' && s.renewal === 'heartbeat'))
          .subscribe(
            (s) => s.status === 'active' && requestLicence(s.source.src, licenseHeaders(s)),
          );
        first.add(
          session.renewals$.subscribe((renewal) => {
            if (control.renewing) {
              requestLicence(renewal.source.src, { 'nv-authorizations': renewal.authorization });
            }
          }),
        );
        return first;
      };
      return { licence$, answered$, licences, control, wire, source$ };
    }

    /**
     * An enforced session with its ClearKey player, playing: what it sent, its errors, its stop$,
     * and the subscription that keeps it running.
     */
    async function playing() {
      const { accountId, source } = await enforcedSource({});
      const source$ = new BehaviorSubject<SsmSource | null>(source);
      const player = clearKeyPlayer(source$);
      const { send, sent } = recorded();
      const stop$ = new Subject<void>();
      const session = ssmSession(
        { source$, stop$, licence$: player.licence$ },
        { transport: send },
      );
      const errors: SsmError[] = [];
      const running = session.session$.subscribe();
      running.add(session.errors$.subscribe((e) => errors.push(e)));
      running.add(player.wire(session));
      return { accountId, player, sent, stop$, session, errors, running };
    }

    it('a session renewed only by licence requests survives 10 periods; no heartbeat call; the teardown frees the slot', async () => {
      const { accountId, player, sent, stop$, session, errors, running } = await playing();

      await until(session.session$, (s) => s.status === 'active' && s.renewal === 'licence');
      // The first licence answer switched the session, ten more renewed it, one a period.
      await until(session.session$, () => player.licences.length >= 11, 15_000);
      expect(await spec.server.liveSessions(accountId)).toBe(1);
      const state = await firstValueFrom(session.session$);
      expect(state).toMatchObject({ status: 'active', renewal: 'licence' });
      expect(state.status === 'active' && state.sessionToken).toBe(player.licences.at(-1));

      stop$.next();
      await until(session.session$, (s) => s.status === 'idle');
      running.unsubscribe();
      expect(errors).toEqual([]);
      expect(sent.map((r) => r.call)).toEqual(['setup', 'teardown']);
      expect(sent[1]?.token).toBe(player.licences.at(-1));
      expect(await spec.server.liveSessions(accountId)).toBe(0);
    });

    it('a stop while a licence renewal is on its way: the teardown waits for its answer, uses its token and frees the slot at once', async () => {
      const { accountId, player, sent, stop$, session, errors, running } = await playing();
      await until(session.session$, (s) => s.status === 'active' && s.renewal === 'licence');

      // The next renewal: the licence server has answered (and, rotating, replaced the token),
      // the player holds the answer 100 ms, and the viewer stops meanwhile.
      player.control.holdMs = 100;
      await firstValueFrom(player.answered$.pipe(timeout(5000)));
      stop$.next();
      await until(session.session$, (s) => s.status === 'idle');
      expect(errors).toEqual([]);
      expect(sent.at(-1)).toMatchObject({ call: 'teardown', token: player.licences.at(-1) });
      expect(await spec.server.liveSessions(accountId)).toBe(0);
      running.unsubscribe();
    });

    it('a player that stops renewing: the SDK reports 6003 and the server expires the session', async () => {
      const { accountId, source } = await enforcedSource({});
      const source$ = new BehaviorSubject<SsmSource | null>(source);
      const player = clearKeyPlayer(source$);
      const session = ssmSession({ source$, licence$: player.licence$ });
      const running = session.session$.subscribe();
      running.add(player.wire(session));
      await until(session.session$, (s) => s.status === 'active' && s.renewal === 'licence');
      player.control.renewing = false;

      const failed = await until(session.session$, (s) => s.status === 'error');
      expect(failed.status === 'error' && failed.error).toMatchObject({ code: 6003, fatal: true });
      await expect.poll(() => spec.server.liveSessions(accountId), { timeout: 8000 }).toBe(0);
      running.unsubscribe();
    });

    it('an async zap at the limit between enforced channels: no error, no session left', async () => {
      const a = await enforcedSource({ max: 1 });
      const b = await enforcedSource({ account: a.accountId, content: 'channel-2', max: 1 });
      const source$ = new BehaviorSubject<SsmSource | null>(a.source);
      const player = clearKeyPlayer(source$);
      const session = ssmSession({ source$, licence$: player.licence$ });
      const errors: SsmError[] = [];
      const running = session.session$.subscribe();
      running.add(session.errors$.subscribe((e) => errors.push(e)));
      running.add(player.wire(session));
      await until(session.session$, (s) => s.status === 'active' && s.renewal === 'licence');

      source$.next(b.source);
      await until(
        session.session$,
        (s) => s.status === 'active' && s.source.src === b.source.src && s.renewal === 'licence',
      );
      expect(await spec.server.liveSessions(a.accountId)).toBe(1);
      running.unsubscribe();
      await expect.poll(() => spec.server.liveSessions(a.accountId)).toBe(0);
      expect(errors).toEqual([]);
    });

    it('Widevine renewals through renewWidevine reach /renewal-license-wv, renew the session and bring the licence', async () => {
      const { accountId, source } = await enforcedSource({});
      const source$ = new BehaviorSubject<SsmSource | null>(source);
      const licence$ = new Subject<LicenceAnswer>();
      const { send, sent } = recorded();
      const session = ssmSession({ source$, licence$ }, { transport: send });
      const running = session.session$.subscribe();
      await until(session.session$, (s) => s.status === 'active');
      // A Widevine licence answer with sessionDrmEnforced missing: licence mode, no token.
      licence$.next({ src: source.src, drmEnforced: true, keySystem: 'com.widevine.alpha' });

      const tokens: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const bytes = await firstValueFrom(
          session.renewWidevine(new TextEncoder().encode(`c${i}`)),
        );
        const licence = JSON.parse(new TextDecoder().decode(bytes)) as { keys: unknown[] };
        expect(licence.keys).toHaveLength(1);
        const state = await firstValueFrom(session.session$);
        if (state.status === 'active') tokens.push(state.sessionToken);
      }
      // A new token each time, or the same one kept: the session follows either.
      expect(new Set(tokens).size).toBe(licenceTokens === 'rotate' ? 3 : 1);
      expect(await spec.server.liveSessions(accountId)).toBe(1);
      running.unsubscribe();
      await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
      expect(sent.map((r) => r.call)).toEqual([
        'setup',
        'renewal',
        'renewal',
        'renewal',
        'teardown',
      ]);
      expect(sent.at(-1)?.token).toBe(tokens.at(-1));
    });
  },
);
