import { describe, expect, it } from 'vitest';
import type {
  Admission,
  SessionHolder,
  SessionLimits,
  SsmStore,
  StoredSession,
} from '../../packages/server/src/index.js';
import { StoreUnavailableError } from '../../packages/server/src/index.js';
import { limitDecision } from '../../packages/server/src/stores/limit-decision.js';
import {
  newSessionToken,
  renewedSessionToken,
  routeOfAccount,
} from '../../packages/server/src/tokens/session-token.js';

const T0 = 1_700_000_000_000;
const LIFETIME = 10_000;

function session(accountId: string, overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    accountId,
    contentId: 'channel-1',
    counted: true,
    expiresAt: T0 + LIFETIME,
    ...overrides,
  };
}

let serial = 0;
/**
 * A token unique within the run, shaped like the server's: a route (two hex digits, spread over
 * all 256) and then the rest.
 */
export function token(label = 't'): string {
  serial += 1;
  return `${(serial % 256).toString(16).padStart(2, '0')}${label}-${serial}-${'x'.repeat(24)}`;
}

/**
 * The behaviour every {@link SsmStore} keeps, run against one implementation. `open` gives a fresh,
 * empty store; `account` names an account no other test uses.
 */
export function describeStoreContract(name: string, open: () => SsmStore): void {
  const account = () => token(`account-${name}`);

  describe(`${name}: the SsmStore contract`, () => {
    it('admits counted sessions up to the limit and refuses the next one', async () => {
      const store = open();
      const alice = account();
      for (let i = 0; i < 2; i += 1) {
        const admission = { sessionToken: token(), session: session(alice), maxSessions: 2 };
        expect(await store.admit(admission, T0)).toEqual({ admitted: true, expired: 0 });
      }
      const third = { sessionToken: token(), session: session(alice), maxSessions: 2 };
      expect(await store.admit(third, T0)).toMatchObject({ admitted: false, expired: 0 });
      expect(await store.count(alice, T0)).toBe(2);
      expect((await store.find(third.sessionToken, T0)).session).toBeUndefined();
      await store.close();
    });

    it('keeps accounts apart', async () => {
      const store = open();
      const [alice, bob] = [account(), account()];
      await store.admit({ sessionToken: token(), session: session(alice), maxSessions: 1 }, T0);
      const bobs = await store.admit(
        { sessionToken: token(), session: session(bob), maxSessions: 1 },
        T0,
      );
      expect(bobs.admitted).toBe(true);
      expect(await store.count(alice, T0)).toBe(1);
      expect(await store.count(bob, T0)).toBe(1);
      await store.close();
    });

    it('admits sessions that are not counted past any limit, without using a slot', async () => {
      const store = open();
      const alice = account();
      for (let i = 0; i < 3; i += 1) {
        const admission = {
          sessionToken: token(),
          session: session(alice, { counted: false }),
          maxSessions: 0,
        };
        expect((await store.admit(admission, T0)).admitted).toBe(true);
      }
      expect(await store.count(alice, T0)).toBe(0);
      await store.close();
    });

    it('finds a live session and nothing for an unknown token', async () => {
      const store = open();
      const alice = account();
      const sessionToken = token();
      await store.admit({ sessionToken, session: session(alice), maxSessions: 1 }, T0);
      expect(await store.find(sessionToken, T0)).toEqual({ session: session(alice), expired: 0 });
      expect(await store.find(token(), T0)).toEqual({ expired: 0 });
      await store.close();
    });

    it('expires a session at its expiry, reports it once, and frees its slot', async () => {
      const store = open();
      const alice = account();
      const first = token();
      await store.admit({ sessionToken: first, session: session(alice), maxSessions: 1 }, T0);
      const atExpiry = T0 + LIFETIME;
      expect((await store.find(first, atExpiry - 1)).session).toBeDefined();
      expect(await store.count(alice, atExpiry)).toBe(0);
      const next = {
        sessionToken: token(),
        session: session(alice, { expiresAt: atExpiry + LIFETIME }),
        maxSessions: 1,
      };
      expect(await store.admit(next, atExpiry)).toEqual({ admitted: true, expired: 1 });
      expect(await store.find(first, atExpiry)).toEqual({ expired: 0 });
      await store.close();
    });

    it('reports an expired session found by lookup as expired, then as unknown', async () => {
      const store = open();
      const sessionToken = token();
      await store.admit(
        { sessionToken, session: session(account(), { counted: false }), maxSessions: 0 },
        T0,
      );
      expect(await store.find(sessionToken, T0 + LIFETIME)).toEqual({ expired: 1 });
      expect(await store.find(sessionToken, T0 + LIFETIME)).toEqual({ expired: 0 });
      await store.close();
    });

    it('renews in place when the next token is the token itself: extended, one slot, nothing kept to repeat', async () => {
      const store = open();
      const alice = account();
      const kept = token();
      const enforced = session(alice, { enforced: true });
      await store.admit({ sessionToken: kept, session: enforced, maxSessions: 1 }, T0);
      const terms = { by: 'licence' as const, replayMs: LIFETIME / 2 };
      const later = T0 + LIFETIME - 1;
      // Concurrent renewals that keep the token: each extends the one session.
      const renewals = await Promise.all(
        [1, 2, 3].map(() => store.rotate(kept, kept, later + LIFETIME, later, terms)),
      );
      for (const renewal of renewals) {
        expect(renewal).toEqual({
          session: expect.objectContaining({ accountId: alice }),
          expired: 0,
        });
      }
      expect(await store.count(alice, later + LIFETIME - 1)).toBe(1);
      expect((await store.find(kept, later + LIFETIME - 1)).session?.expiresAt).toBe(
        later + LIFETIME,
      );
      // A rotation after it rotates as usual; the kept token is then dead.
      const next = token();
      await store.rotate(kept, next, later + LIFETIME, later + 1, terms);
      expect((await store.find(kept, later + 1)).session).toBeUndefined();
      expect(await store.count(alice, later + 1)).toBe(1);
      expect((await store.remove(next, later + 1)).session).toBeDefined();
      expect(await store.count(alice, later + 1)).toBe(0);
      await store.close();
    });

    it('renews with the tokens the server mints (each renewal keeps the first characters): only the live token works, a repeat of the last renewal gets its answer', async () => {
      const store = open();
      const alice = account();
      const first = newSessionToken(routeOfAccount(alice));
      const holder = { sessionId: 's.renewed' };
      await store.admit(
        { sessionToken: first, session: session(alice), maxSessions: 1, holder },
        T0,
      );
      const terms = { by: 'heartbeat' as const, replayMs: 5000 };
      const second = renewedSessionToken(first);
      expect(await store.rotate(first, second, T0 + 100 + LIFETIME, T0 + 100, terms)).toEqual({
        session: session(alice),
        expired: 0,
      });
      // The same renewal again (its answer was lost): the same next token, nothing changed.
      const repeat = await store.rotate(
        first,
        renewedSessionToken(first),
        T0 + 200,
        T0 + 150,
        terms,
      );
      expect(repeat.replayed?.sessionToken).toBe(second);
      // A token that shares the first characters but not the rest names nothing.
      const forged = renewedSessionToken(first);
      expect(await store.find(forged, T0 + 150)).toEqual({ expired: 0 });
      expect(
        await store.rotate(forged, renewedSessionToken(first), T0 + 300, T0 + 150, terms),
      ).toEqual({
        expired: 0,
      });
      expect(await store.remove(forged, T0 + 150)).toEqual({ expired: 0 });
      // A repeat in the other kind of call, or after its time, is not this renewal's.
      const licence = { by: 'licence' as const, replayMs: 5000 };
      expect(
        (await store.rotate(first, forged, T0 + 300, T0 + 150, licence)).replayed,
      ).toBeUndefined();
      expect(
        (await store.rotate(first, forged, T0 + 300, T0 + 100 + 5000, terms)).replayed,
      ).toBeUndefined();
      expect((await store.find(second, T0 + 150)).session?.expiresAt).toBe(T0 + 100 + LIFETIME);
      // The next renewal: the first token is dead for good, even as a repeat.
      const third = renewedSessionToken(second);
      await store.rotate(second, third, T0 + 400 + LIFETIME, T0 + 400, terms);
      expect(
        await store.rotate(first, renewedSessionToken(first), T0 + 500, T0 + 450, terms),
      ).toEqual({
        expired: 0,
      });
      expect(await store.count(alice, T0 + 450)).toBe(1);
      const { sessions } = await store.sessions(alice, T0 + 450);
      expect(sessions).toEqual([
        expect.objectContaining({ sessionId: 's.renewed', startedAt: T0, renewedAt: T0 + 400 }),
      ]);
      // A renewal that keeps the token, then the end: the slot is free, the token unknown.
      await store.rotate(third, third, T0 + 500 + LIFETIME, T0 + 500, terms);
      expect((await store.remove(third, T0 + 600)).session).toEqual(
        session(alice, { expiresAt: T0 + 500 + LIFETIME }),
      );
      expect(await store.count(alice, T0 + 600)).toBe(0);
      expect(await store.find(third, T0 + 600)).toEqual({ expired: 0 });
      await store.close();
    });

    it('rotates: the old token dies, the new one lives to its new expiry in the same slot', async () => {
      const store = open();
      const alice = account();
      const [old, next] = [token(), token()];
      await store.admit({ sessionToken: old, session: session(alice), maxSessions: 1 }, T0);
      const renewedAt = T0 + LIFETIME - 1;
      const rotated = await store.rotate(old, next, renewedAt + LIFETIME, renewedAt);
      expect(rotated).toEqual({ session: session(alice), expired: 0 });
      expect(await store.rotate(old, token(), renewedAt + LIFETIME, renewedAt)).toEqual({
        expired: 0,
      });
      expect(await store.count(alice, renewedAt + LIFETIME - 1)).toBe(1);
      expect((await store.find(next, renewedAt + LIFETIME - 1)).session?.expiresAt).toBe(
        renewedAt + LIFETIME,
      );
      expect(await store.find(old, renewedAt)).toEqual({ expired: 0 });
      await store.close();
    });

    it('does not rotate an expired session', async () => {
      const store = open();
      const alice = account();
      const old = token();
      await store.admit({ sessionToken: old, session: session(alice), maxSessions: 1 }, T0);
      const late = T0 + LIFETIME;
      expect(await store.rotate(old, token(), late + LIFETIME, late)).toEqual({ expired: 1 });
      expect(await store.count(alice, late)).toBe(0);
      await store.close();
    });

    it('removes a session once, freeing its slot', async () => {
      const store = open();
      const alice = account();
      const sessionToken = token();
      await store.admit({ sessionToken, session: session(alice), maxSessions: 1 }, T0);
      expect((await store.remove(sessionToken, T0)).session).toEqual(session(alice));
      expect(await store.remove(sessionToken, T0)).toEqual({ expired: 0 });
      expect(await store.count(alice, T0)).toBe(0);
      const again = await store.admit(
        { sessionToken: token(), session: session(alice), maxSessions: 1 },
        T0,
      );
      expect(again.admitted).toBe(true);
      await store.close();
    });

    it('sweeps expired sessions and reports the live ones', async () => {
      const store = open();
      const alice = account();
      const short = session(alice, { expiresAt: T0 + 1000 });
      await store.admit({ sessionToken: token(), session: short, maxSessions: 5 }, T0);
      await store.admit(
        { sessionToken: token(), session: { ...short, counted: false }, maxSessions: 5 },
        T0,
      );
      await store.admit({ sessionToken: token(), session: session(alice), maxSessions: 5 }, T0);
      const swept = await store.sweep(T0 + 1000);
      expect(swept.expired).toBe(2);
      expect(swept.live).toBeGreaterThanOrEqual(1);
      expect(await store.count(alice, T0 + 1000)).toBe(1);
      expect((await store.sweep(T0 + 1000)).expired).toBe(0);
      await store.close();
    });

    it('admits exactly the limit out of many concurrent admissions', async () => {
      const store = open();
      const alice = account();
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.admit({ sessionToken: token(), session: session(alice), maxSessions: 3 }, T0),
        ),
      );
      expect(results.filter((result) => result.admitted)).toHaveLength(3);
      expect(await store.count(alice, T0)).toBe(3);
      await store.close();
    });

    describe('the concurrency policy', () => {
      /** An admission of a counted session with its holder, its id `id`. */
      const policed = (
        accountId: string,
        id: string,
        limits: SessionLimits & { maxSessions?: number },
        {
          contentId = 'channel-1',
          ...holder
        }: Partial<SessionHolder> & { contentId?: string } = {},
      ): Admission => {
        const { maxSessions = 10, ...rest } = limits;
        return {
          sessionToken: token(id),
          session: session(accountId, { contentId }),
          maxSessions,
          limits: rest,
          holder: { sessionId: id, ...holder },
        };
      };
      const ids = (held: Array<{ sessionId: string }> | undefined) =>
        (held ?? []).map((one) => one.sessionId);

      it('refuses a new device past maxDevices, naming the holders; a known device still gets in', async () => {
        const store = open();
        const alice = account();
        const limits = { maxDevices: 2 };
        await store.admit(policed(alice, 'a', limits, { deviceHash: 'tv' }), T0);
        await store.admit(policed(alice, 'b', limits, { deviceHash: 'phone' }), T0 + 1);
        const laptop = await store.admit(
          policed(alice, 'c', limits, { deviceHash: 'laptop' }),
          T0 + 2,
        );
        expect(laptop).toMatchObject({ admitted: false, refusedBy: 'maxDevices' });
        expect(ids(laptop.holders)).toEqual(['a', 'b']);
        const phone = await store.admit(
          policed(alice, 'd', limits, { deviceHash: 'phone' }),
          T0 + 3,
        );
        expect(phone.admitted).toBe(true);
        expect(await store.count(alice, T0 + 3)).toBe(3);
        await store.close();
      });

      it('counts a session that names no device as a device of its own', async () => {
        const store = open();
        const alice = account();
        const limits = { maxDevices: 2 };
        expect((await store.admit(policed(alice, 'a', limits), T0)).admitted).toBe(true);
        expect((await store.admit(policed(alice, 'b', limits), T0)).admitted).toBe(true);
        const third = await store.admit(policed(alice, 'c', limits), T0);
        expect(third).toMatchObject({ admitted: false, refusedBy: 'maxDevices' });
        await store.close();
      });

      it('refuses past maxSessionsPerContent with the holders of that content only', async () => {
        const store = open();
        const alice = account();
        const limits = { maxSessionsPerContent: 1 };
        await store.admit(policed(alice, 'a', limits, { contentId: 'news' }), T0);
        await store.admit(policed(alice, 'b', limits, { contentId: 'film' }), T0);
        const again = await store.admit(policed(alice, 'c', limits, { contentId: 'news' }), T0);
        expect(again).toMatchObject({ admitted: false, refusedBy: 'maxSessionsPerContent' });
        expect(ids(again.holders)).toEqual(['a']);
        await store.close();
      });

      it('refuses past maxSessionsPerGroup with the holders of that group only', async () => {
        const store = open();
        const alice = account();
        const limits = { maxSessionsPerGroup: 1 };
        await store.admit(
          policed(alice, 'a', limits, { contentId: 'f1', contentGroup: 'sports' }),
          T0,
        );
        await store.admit(policed(alice, 'b', limits, { contentId: 'news' }), T0);
        const other = policed(alice, 'c', limits, { contentId: 'golf', contentGroup: 'sports' });
        const refused = await store.admit(other, T0);
        expect(refused).toMatchObject({ admitted: false, refusedBy: 'maxSessionsPerGroup' });
        expect(ids(refused.holders)).toEqual(['a']);
        const film = policed(alice, 'd', limits, { contentId: 'film', contentGroup: 'movies' });
        expect((await store.admit(film, T0)).admitted).toBe(true);
        await store.close();
      });

      it('names maxSessions first, with every session of the account', async () => {
        const store = open();
        const alice = account();
        const limits = { maxSessions: 2, maxDevices: 1 };
        await store.admit(policed(alice, 'a', limits, { deviceHash: 'tv' }), T0);
        await store.admit(policed(alice, 'b', limits, { deviceHash: 'tv' }), T0 + 1);
        const refused = await store.admit(
          policed(alice, 'c', limits, { deviceHash: 'pc' }),
          T0 + 2,
        );
        expect(refused).toMatchObject({ admitted: false, refusedBy: 'maxSessions' });
        expect(ids(refused.holders)).toEqual(['a', 'b']);
        await store.close();
      });

      it('evict-oldest ends the least recently set-up blocking session, whose token then says evicted', async () => {
        const store = open();
        const alice = account();
        const limits = { maxSessionsPerContent: 1, onLimit: 'evict-oldest' as const };
        const first = policed(alice, 'a', limits, { contentId: 'news', deviceName: 'TV' });
        const film = policed(alice, 'b', limits, { contentId: 'film' });
        await store.admit(first, T0);
        await store.admit(film, T0 + 1);
        const second = policed(alice, 'c', limits, { contentId: 'news' });
        const result = await store.admit(second, T0 + 2);
        expect(result.admitted).toBe(true);
        expect(result.evicted).toEqual([
          expect.objectContaining({ sessionId: 'a', contentId: 'news', deviceName: 'TV' }),
        ]);
        expect(ids((await store.sessions(alice, T0 + 2)).sessions)).toEqual(['b', 'c']);
        const renewal = await store.rotate(first.sessionToken, token(), T0 + LIFETIME, T0 + 3);
        expect(renewal).toEqual({ ended: 'evicted', expired: 0 });
        expect(await store.find(first.sessionToken, T0 + 3)).toEqual({ expired: 0 });
        expect(await store.remove(first.sessionToken, T0 + 3)).toEqual({
          ended: 'evicted',
          expired: 0,
        });
        expect(await store.remove(first.sessionToken, T0 + 3)).toEqual({ expired: 0 });
        await store.close();
      });

      it('evict-oldest ends as many as it takes, oldest first, and refuses when a limit is 0', async () => {
        const store = open();
        const alice = account();
        const evict = { maxSessions: 2, onLimit: 'evict-oldest' as const };
        for (const [id, at] of [
          ['a', 0],
          ['b', 1],
        ] as const) {
          await store.admit(policed(alice, id, evict), T0 + at);
        }
        const one = await store.admit(policed(alice, 'c', { ...evict, maxSessions: 1 }), T0 + 2);
        expect(ids(one.evicted)).toEqual(['a', 'b']);
        const none = await store.admit(policed(alice, 'd', { ...evict, maxSessions: 0 }), T0 + 3);
        expect(none).toMatchObject({ admitted: false, refusedBy: 'maxSessions' });
        expect(ids((await store.sessions(alice, T0 + 3)).sessions)).toEqual(['c']);
        const zero = { onLimit: 'evict-oldest' as const, maxSessionsPerContent: 0 };
        const refused = await store.admit(policed(alice, 'e', zero, { contentId: 'x' }), T0 + 4);
        expect(refused).toMatchObject({ admitted: false, refusedBy: 'maxSessionsPerContent' });
        expect(ids((await store.sessions(alice, T0 + 4)).sessions)).toEqual(['c']);
        await store.close();
      });

      it('lists the account’s live sessions with their holder and times, renewals moving renewedAt', async () => {
        const store = open();
        const [alice, bob] = [account(), account()];
        const tv = policed(
          alice,
          'a',
          {},
          {
            contentId: 'news',
            contentGroup: 'info',
            deviceHash: 'h1',
            deviceName: 'Living room',
            deviceType: 'tv',
          },
        );
        await store.admit(tv, T0);
        await store.admit(policed(alice, 'b', {}, { deviceName: '' }), T0 + 5);
        await store.admit(policed(bob, 'z', {}), T0);
        await store.admit(
          { ...policed(alice, 'u', {}), session: session(alice, { counted: false }) },
          T0,
        );
        await store.rotate(tv.sessionToken, token(), T0 + 50 + LIFETIME, T0 + 50);
        const { sessions } = await store.sessions(alice, T0 + 60);
        expect(sessions).toEqual([
          {
            sessionId: 'a',
            contentId: 'news',
            contentGroup: 'info',
            deviceHash: 'h1',
            deviceName: 'Living room',
            deviceType: 'tv',
            startedAt: T0,
            renewedAt: T0 + 50,
          },
          {
            sessionId: 'b',
            contentId: 'channel-1',
            deviceName: '',
            startedAt: T0 + 5,
            renewedAt: T0 + 5,
          },
        ]);
        expect(ids((await store.sessions(alice, T0 + LIFETIME + 5)).sessions)).toEqual(['a']);
        expect((await store.sessions(account(), T0)).sessions).toEqual([]);
        await store.close();
      });

      it('stops a session of the account: the slot is free at once and its token says stopped until it would expire', async () => {
        const store = open();
        const [alice, bob] = [account(), account()];
        const first = policed(alice, 'a', { maxSessions: 1 });
        await store.admit(first, T0);
        expect(await store.stop(bob, 'a', T0)).toEqual({ expired: 0 });
        expect(await store.stop(alice, 'nope', T0)).toEqual({ expired: 0 });
        expect(await store.count(alice, T0)).toBe(1);
        const stopped = await store.stop(alice, 'a', T0 + 1);
        expect(stopped.stopped).toMatchObject({ sessionId: 'a', contentId: 'channel-1' });
        expect(await store.stop(alice, 'a', T0 + 1)).toEqual({ expired: 0 });
        expect(await store.count(alice, T0 + 1)).toBe(0);
        expect((await store.admit(policed(alice, 'b', { maxSessions: 1 }), T0 + 2)).admitted).toBe(
          true,
        );
        const terms = { by: 'heartbeat' as const, replayMs: 0 };
        expect(await store.rotate(first.sessionToken, token(), T0 + 9, T0 + 3, terms)).toEqual({
          ended: 'stopped',
          expired: 0,
        });
        // Kept no longer than the session would have lived.
        const after = T0 + LIFETIME;
        expect(await store.rotate(first.sessionToken, token(), after + 9, after, terms)).toEqual({
          expired: 0,
        });
        await store.close();
      });

      it('tells a repeat of the last renewal, whose answer was lost, that the session was stopped', async () => {
        const store = open();
        const alice = account();
        const first = policed(alice, 'a', {});
        await store.admit(first, T0);
        const terms = { by: 'heartbeat' as const, replayMs: 5000 };
        const next = token();
        await store.rotate(first.sessionToken, next, T0 + LIFETIME, T0 + 1, terms);
        await store.stop(alice, 'a', T0 + 2);
        const repeat = await store.rotate(
          first.sessionToken,
          token(),
          T0 + LIFETIME,
          T0 + 3,
          terms,
        );
        expect(repeat).toEqual({ ended: 'stopped', expired: 0 });
        expect(await store.rotate(next, token(), T0 + LIFETIME, T0 + 3, terms)).toEqual({
          ended: 'stopped',
          expired: 0,
        });
        await store.close();
      });

      it('answers the same session id for a repeated setup', async () => {
        const store = open();
        const alice = account();
        const first = { ...policed(alice, 'a', {}), idempotencyKey: 'k', replayMs: 1000 };
        await store.admit(first, T0);
        const again = await store.admit(
          { ...first, sessionToken: token(), holder: { sessionId: 'b' } },
          T0 + 1,
        );
        expect(again.replayed).toEqual({ sessionToken: first.sessionToken, sessionId: 'a' });
        await store.close();
      });

      it('admits exactly what every rule allows out of many concurrent admissions', async () => {
        const store = open();
        const alice = account();
        const limits = {
          maxSessions: 3,
          maxDevices: 2,
          maxSessionsPerContent: 1,
          maxSessionsPerGroup: 1,
        };
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, n) =>
            store.admit(
              policed(alice, `s${n}`, limits, {
                contentId: `c${n % 4}`,
                deviceHash: `d${n % 3}`,
                ...(n % 4 >= 2 && { contentGroup: 'sports' }),
              }),
              T0,
            ),
          ),
        );
        const { sessions } = await store.sessions(alice, T0);
        const admitted = results.flatMap((result, n) => (result.admitted ? [`s${n}`] : []));
        expect(ids(sessions).sort()).toEqual(admitted.sort());
        // Within every limit, and no refused one would fit beside what got in.
        expect(sessions.length).toBeLessThanOrEqual(3);
        expect(new Set(sessions.map((one) => one.deviceHash)).size).toBeLessThanOrEqual(2);
        expect(new Set(sessions.map((one) => one.contentId)).size).toBe(sessions.length);
        expect(sessions.filter((one) => one.contentGroup === 'sports').length).toBeLessThanOrEqual(
          1,
        );
        results.forEach((result, n) => {
          if (result.admitted) return;
          const wanted = {
            contentId: `c${n % 4}`,
            deviceHash: `d${n % 3}`,
            ...(n % 4 >= 2 && { contentGroup: 'sports' }),
          };
          const { maxSessions, ...rest } = limits;
          expect(limitDecision(sessions, wanted, maxSessions, rest).admitted, `s${n}`).toBe(false);
        });
        await store.close();
      });
    });

    it('answers StoreUnavailableError once closed', async () => {
      const store = open();
      await store.ping();
      await store.close();
      await expect(store.count(account(), T0)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
}
