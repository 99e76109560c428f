import { BehaviorSubject, filter, firstValueFrom, type Observable, Subject, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountSessions as accountSessionsOnFetch,
  stopSession as stopSessionOnFetch,
} from '../../packages/rx-ssm/src/fetch.js';
import {
  accountSessions,
  type LicenceAnswer,
  licenseHeaders,
  type SsmDevice,
  type SsmError,
  type SsmSource,
  type SsmState,
  ssmSession,
  stopSession,
} from '../../packages/rx-ssm/src/index.js';
import type { MintContentTokenOptions } from '../../packages/server/src/index.js';
import { everyStore } from '../support/every-store.js';
import { recorded } from '../support/recorded-transport.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

const keys = { 'channel-1': [{ kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' }] };
const tv: SsmDevice = { id: 'installation-tv-1', name: 'Living-room TV', type: 'tv' };
const phone: SsmDevice = { id: 'installation-phone-1', name: 'Phone', type: 'phone' };

const until = (state$: Observable<SsmState>, test: (s: SsmState) => boolean, ms = 8000) =>
  firstValueFrom(state$.pipe(filter(test), timeout(ms)));
const isActive = (s: SsmState) => s.status === 'active';
const errorOf = async (state$: Observable<SsmState>) => {
  const state = await until(state$, (s) => s.status === 'error');
  return (state as Extract<SsmState, { status: 'error' }>).error;
};

describe.each(everyStore('at-the-limit-e2e:'))(
  'at the limit, the SDK against the reference server over HTTP (%s)',
  (_name, open) => {
    let spec: SpecServer;
    let accounts = 0;

    beforeAll(async () => {
      // The real clock and a short period: a stopped session learns it on its next heartbeat.
      spec = await startSpecServer({
        heartbeatSeconds: 0.2,
        store: open(),
        clock: Date.now,
        clearKeys: keys,
      });
    });
    afterAll(async () => {
      await spec?.server.close();
    });

    async function account(rules: Partial<MintContentTokenOptions> = {}) {
      const accountId = `limit-e2e-${++accounts}`;
      const source = async (
        contentId = 'channel-1',
        more: Partial<MintContentTokenOptions> = {},
      ) => ({
        src: `${contentId}.mpd`,
        token: await spec.contentToken({ accountId, contentId, maxSessions: 1, ...rules, ...more }),
        ssmServerUrl: `${spec.origin}/ssm`,
      });
      return { accountId, source };
    }

    /** One playback: a pipeline on its own device, its requests recorded. */
    function playback(
      source: SsmSource,
      device: SsmDevice,
      extra: { licence$?: Observable<LicenceAnswer> } = {},
    ) {
      const { send, sent } = recorded();
      const source$ = new BehaviorSubject<SsmSource | null>(source);
      const play$ = new Subject<void>();
      const session = ssmSession(
        { source$, play$, ...extra },
        { transport: send, device, minHeartbeatSeconds: 0.05 },
      );
      const states: SsmState[] = [];
      const subscription = session.session$.subscribe((state) => states.push(state));
      return { session, sent, states, play$, source$, end: () => subscription.unsubscribe() };
    }

    it('21/24/22/23. the refusal names the rule and the holder (no token); the viewer stops it and plays here; the stopped one ends with isStoppedRemotely and its teardown', async () => {
      const { accountId, source } = await account();
      const first = playback(await source(), tv);
      const held = await until(first.session.session$, isActive);

      const second = playback(await source(), phone);
      const refusal = await errorOf(second.session.session$);
      expect(refusal).toMatchObject({ code: 6001, isSessionLimit: true, rule: 'maxSessions' });
      expect(refusal.heldBy).toHaveLength(1);
      const [holder] = refusal.heldBy ?? [];
      expect(holder).toMatchObject({
        contentId: 'channel-1',
        device: { name: 'Living-room TV', type: 'tv' },
        sameDevice: false,
      });
      expect(holder?.startedAt).toBeInstanceOf(Date);
      expect(holder?.renewedAt.getTime()).toBeGreaterThanOrEqual(holder?.startedAt.getTime() ?? 0);
      const shown = JSON.stringify(refusal.heldBy);
      expect(shown).not.toContain(held.status === 'active' ? held.sessionToken : '?');
      expect(shown).not.toContain(tv.id);

      // "Stop it and watch here".
      const refused = refusal.source as SsmSource;
      await firstValueFrom(stopSession(refused, holder?.sessionId ?? ''));
      second.play$.next();
      await until(second.session.session$, isActive);
      expect(await spec.server.liveSessions(accountId)).toBe(1);

      const stopped = await errorOf(first.session.session$);
      expect(stopped).toMatchObject({
        code: 6003,
        fatal: true,
        httpStatus: 403,
        serverCode: 1008,
        isStoppedRemotely: true,
      });
      // No retry of the refused heartbeat, and its teardown went out all the same.
      await expect
        .poll(() => first.sent.map((r) => r.call).slice(-2))
        .toEqual(['heartbeat', 'teardown']);
      expect(first.sent.filter((r) => r.call === 'setup')).toHaveLength(1);
      expect(await spec.server.liveSessions(accountId)).toBe(1);

      first.end();
      second.end();
      await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
    });

    it.each([
      ['rx-ssm (axios)', accountSessions, stopSession],
      ['rx-ssm/fetch', accountSessionsOnFetch, stopSessionOnFetch],
    ])(
      'accountSessions and stopSession of %s: sameDevice for the asking device, 1009 for an unknown id and for another account’s',
      async (_entry, list, stop) => {
        const mine = await account({ maxSessions: 3 });
        const other = await account();
        const onTv = playback(await mine.source(), tv);
        const onPhone = playback(await mine.source(), phone);
        const elsewhere = playback(await other.source(), tv);
        await until(onTv.session.session$, isActive);
        await until(onPhone.session.session$, isActive);
        await until(elsewhere.session.session$, isActive);

        const fromTv = await firstValueFrom(list(await mine.source(), { device: tv }));
        expect(fromTv.map((s) => [s.device.name, s.sameDevice]).sort()).toEqual([
          ['Living-room TV', true],
          ['Phone', false],
        ]);
        const fromNowhere = await firstValueFrom(list(await mine.source()));
        expect(fromNowhere.every((s) => !s.sameDevice)).toBe(true);

        const [theirs] = await firstValueFrom(list(await other.source()));
        const onTvSource = await mine.source();
        const failure = (sessionId: string) =>
          firstValueFrom(stop(onTvSource, sessionId)).catch((e: SsmError) => e);
        for (const id of ['no-such-session', theirs?.sessionId ?? '']) {
          expect(await failure(id)).toMatchObject({
            kind: 'account',
            code: 6004,
            httpStatus: 404,
            serverCode: 1009,
          });
        }
        expect(await spec.server.liveSessions(other.accountId)).toBe(1);
        expect(await spec.server.liveSessions(mine.accountId)).toBe(2);

        const phoneSession = fromTv.find((s) => !s.sameDevice);
        await firstValueFrom(stop(onTvSource, phoneSession?.sessionId ?? ''));
        expect(await spec.server.liveSessions(mine.accountId)).toBe(1);
        expect((await errorOf(onPhone.session.session$)).isStoppedRemotely).toBe(true);
        for (const p of [onTv, onPhone, elsewhere]) p.end();
      },
    );

    it('21. maxDevices counts devices, not sessions: a second playback on the TV is let in, a phone is refused', async () => {
      const { accountId, source } = await account({ maxSessions: 5, maxDevices: 1 });
      const one = playback(await source(), tv);
      const two = playback(await source(), tv);
      await until(one.session.session$, isActive);
      await until(two.session.session$, isActive);
      const refused = playback(await source(), phone);
      const refusal = await errorOf(refused.session.session$);
      expect(refusal.rule).toBe('maxDevices');
      expect(refusal.heldBy?.map((s) => s.device.name)).toEqual([
        'Living-room TV',
        'Living-room TV',
      ]);
      expect(await spec.server.liveSessions(accountId)).toBe(2);
      for (const p of [one, two, refused]) p.end();
    });

    it('23. evict-oldest: the newer playback is let in and the older one ends with isStoppedRemotely', async () => {
      const { accountId, source } = await account({ onLimit: 'evict-oldest' });
      const older = playback(await source(), tv);
      await until(older.session.session$, isActive);
      const newer = playback(await source(), phone);
      await until(newer.session.session$, isActive);
      expect((await errorOf(older.session.session$)).isStoppedRemotely).toBe(true);
      expect(await spec.server.liveSessions(accountId)).toBe(1);
      older.end();
      newer.end();
      await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
    });

    it('23. licence mode: a ClearKey licence request refused with 1008, handed to licence$, ends the session with isStoppedRemotely', async () => {
      const { accountId, source } = await account({ drmEnforced: true });
      const licence$ = new Subject<LicenceAnswer>();
      const ssm = await source();
      const requestLicence = async (headers: Record<string, string>) => {
        const response = await fetch(`${spec.origin}/license/clearkey`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ kids: [], type: 'temporary' }),
        });
        const body = (await response.json()) as Record<string, unknown>;
        licence$.next(
          response.ok
            ? { src: ssm.src, sessionToken: String(body.sessionToken) }
            : {
                src: ssm.src,
                refused: {
                  httpStatus: response.status,
                  serverCode: Number(body.errorCode),
                  message: String(body.message),
                },
              },
        );
      };
      const viewer = playback(ssm, tv, { licence$ });
      const renewing = viewer.session.renewals$.subscribe(
        (r) => void requestLicence({ 'nv-authorizations': r.authorization }),
      );
      const active = await until(viewer.session.session$, isActive);
      await requestLicence(licenseHeaders(active));
      await until(viewer.session.session$, (s) => s.status === 'active' && s.renewal === 'licence');

      const [held] = await firstValueFrom(accountSessions(ssm));
      await firstValueFrom(stopSession(ssm, held?.sessionId ?? ''));
      const stopped = await errorOf(viewer.session.session$);
      expect(stopped).toMatchObject({ code: 6003, serverCode: 1008, isStoppedRemotely: true });
      expect(viewer.sent.map((r) => r.call)).not.toContain('heartbeat');
      await expect.poll(() => viewer.sent.at(-1)?.call).toBe('teardown');
      expect(await spec.server.liveSessions(accountId)).toBe(0);
      renewing.unsubscribe();
      viewer.end();
    });
  },
);
