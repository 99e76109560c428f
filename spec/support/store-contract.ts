import { describe, expect, it } from 'vitest';
import type { SsmStore, StoredSession } from '../../packages/server/src/index.js';
import { StoreUnavailableError } from '../../packages/server/src/index.js';

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
      expect(await store.admit(third, T0)).toEqual({ admitted: false, expired: 0 });
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

    it('answers StoreUnavailableError once closed', async () => {
      const store = open();
      await store.ping();
      await store.close();
      await expect(store.count(account(), T0)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
}
