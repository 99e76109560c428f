import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../spec/support/redis.js';
import { describeStoreContract, token } from '../../../spec/support/store-contract.js';
import { redisStore } from '../src/index.js';
import {
  newSessionToken,
  renewedSessionToken,
  routeOfAccount,
  routeOfToken,
  SESSION_KEY_LENGTH,
} from '../src/tokens/session-token.js';

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describeStoreContract('redisStore', () => redisStore(redis.url));

describe('redisStore', () => {
  const now = Date.now();
  const session = (accountId: string) => ({
    accountId,
    contentId: 'channel-1',
    counted: true,
    expiresAt: now + 10_000,
  });

  it('gives the session and account keys a TTL of twice the lifetime, so the sweep sees expiries first', async () => {
    const store = redisStore(redis.url, { keyPrefix: 'ttl:' });
    const client = new Redis(redis.url);
    const sessionToken = token();
    await store.admit({ sessionToken, session: session('alice'), maxSessions: 1 }, now);
    const keys = [
      `ttl:{${routeOfToken(sessionToken)}}s:${sessionToken.slice(0, SESSION_KEY_LENGTH)}`,
      `ttl:{${routeOfAccount('alice')}}a:alice`,
    ];
    for (const key of keys) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(19_000);
      expect(ttl).toBeLessThanOrEqual(20_000);
    }
    client.disconnect();
    await store.close();
  });

  it('keeps serving a session stored under its whole token (the layout before members), and moves it on its first renewal', async () => {
    const store = redisStore(redis.url, { keyPrefix: 'legacy:' });
    const client = new Redis(redis.url);
    const old = newSessionToken(routeOfAccount('lena'));
    const route = routeOfToken(old);
    const expiresAt = now + 10_000;
    // What a server of the earlier layout wrote for one admitted session.
    await client.hset(`legacy:{${route}}s:${old}`, {
      a: 'lena',
      c: 'channel-1',
      n: '1',
      e: String(expiresAt),
      d: '0',
      i: 's.lena',
      t: String(now),
      w: String(now),
      o: '1',
    });
    await client.zadd(`legacy:{${route}}a:lena`, expiresAt, old);
    await client.zadd(`legacy:{${route}}i`, expiresAt, old);
    expect((await store.find(old, now)).session).toEqual(session('lena'));
    expect((await store.sessions('lena', now)).sessions).toEqual([
      expect.objectContaining({ sessionId: 's.lena', startedAt: now }),
    ]);
    const next = renewedSessionToken(old);
    const terms = { by: 'heartbeat' as const, replayMs: 5000 };
    const renewed = await store.rotate(old, next, expiresAt + 5000, now + 1, terms);
    expect(renewed.session).toEqual(session('lena'));
    // Moved under its member; the whole-token key and members are gone.
    expect(await client.exists(`legacy:{${route}}s:${old}`)).toBe(0);
    expect(await client.hget(`legacy:{${route}}s:${next.slice(0, SESSION_KEY_LENGTH)}`, 'v')).toBe(
      next,
    );
    expect(await client.zrange(`legacy:{${route}}a:lena`, 0, -1)).toEqual([
      next.slice(0, SESSION_KEY_LENGTH),
    ]);
    expect(await store.count('lena', now + 1)).toBe(1);
    expect(await store.find(old, now + 1)).toEqual({ expired: 0 });
    expect((await store.remove(next, now + 2)).session?.accountId).toBe('lena');
    expect(await store.count('lena', now + 2)).toBe(0);
    expect(await store.sweep(now + 2)).toMatchObject({ expired: 0 });
    client.disconnect();
    await store.close();
  });

  it('finds the account of a session stored before its hash kept the account route, on a renewal and a teardown', async () => {
    const store = redisStore(redis.url, { keyPrefix: 'unrouted:' });
    const client = new Redis(redis.url);
    // A token whose route is not its account's: only the account's own route finds its key.
    const route = routeOfAccount('rita');
    const other = route === '00' ? '01' : '00';
    const first = other + newSessionToken(route).slice(2);
    await store.admit({ sessionToken: first, session: session('rita'), maxSessions: 2 }, now);
    const hash = `unrouted:{${other}}s:${first.slice(0, SESSION_KEY_LENGTH)}`;
    expect(await client.hget(hash, 'r')).toBe(route);
    // As a server of the earlier layout wrote it: no \`r\`.
    await client.hdel(hash, 'r');
    const next = renewedSessionToken(first);
    const terms = { by: 'heartbeat' as const, replayMs: 5000 };
    expect((await store.rotate(first, next, now + 20_000, now + 1, terms)).session).toEqual(
      session('rita'),
    );
    expect(
      await client.zscore(`unrouted:{${route}}a:rita`, first.slice(0, SESSION_KEY_LENGTH)),
    ).toBe(String(now + 20_000));
    expect((await store.remove(next, now + 2)).session?.accountId).toBe('rita');
    expect(await store.count('rita', now + 2)).toBe(0);
    client.disconnect();
    await store.close();
  });

  it('answers a repeat of a renewal that moved the session to another member, within the period only', async () => {
    const store = redisStore(redis.url, { keyPrefix: 'moved:' });
    const first = token();
    await store.admit({ sessionToken: first, session: session('mona'), maxSessions: 1 }, now);
    const terms = { by: 'heartbeat' as const, replayMs: 5000 };
    const next = token();
    expect((await store.rotate(first, next, now + 20_000, now + 1, terms)).session).toEqual(
      session('mona'),
    );
    const repeat = await store.rotate(first, token(), now + 20_000, now + 5000, terms);
    expect(repeat.replayed).toEqual({ sessionToken: next, expiresAt: now + 20_000 });
    expect(await store.rotate(first, token(), now + 20_000, now + 5001, terms)).toEqual({
      expired: 0,
    });
    await store.close();
  });

  it('keeps every key of a renewed session a lifetime past its new expiry, renewal after renewal', async () => {
    const store = redisStore(redis.url, { keyPrefix: 'renewed:' });
    const client = new Redis(redis.url);
    // Real time: key TTLs run on Redis's clock. A short lifetime, renewed every half of it.
    const lifetime = 400;
    const start = Date.now();
    let sessionToken = newSessionToken(routeOfAccount('rene'));
    await store.admit(
      {
        sessionToken,
        session: { ...session('rene'), expiresAt: start + lifetime },
        maxSessions: 1,
      },
      start,
    );
    const route = routeOfToken(sessionToken);
    const keys = [
      `renewed:{${route}}s:${sessionToken.slice(0, SESSION_KEY_LENGTH)}`,
      `renewed:{${route}}a:rene`,
      `renewed:{${route}}i`,
      // The account's setup counter, which orders its setups: it lives as long as its sessions.
      `renewed:{${route}}o:rene`,
    ];
    // Ten heartbeats over five lifetimes: after each, every key lives at least what is left of
    // the session plus one lifetime (less what the calls took).
    for (let beat = 1; beat <= 10; beat++) {
      await new Promise((resolve) => setTimeout(resolve, lifetime / 2));
      const at = Date.now();
      const next = renewedSessionToken(sessionToken);
      const renewal = await store.rotate(sessionToken, next, at + lifetime, at, {
        by: 'heartbeat',
        replayMs: lifetime / 2,
      });
      expect(renewal.session?.accountId).toBe('rene');
      sessionToken = next;
      for (const key of keys) {
        expect(await client.pttl(key)).toBeGreaterThan(2 * lifetime - (Date.now() - at) - 50);
      }
    }
    client.disconnect();
    await store.close();
  });

  it('orders a setup after a session renewed for many lifetimes since its own setup', async () => {
    const store = redisStore(redis.url, { keyPrefix: 'order:' });
    // Real time: the setup counter's TTL runs on Redis's clock.
    const lifetime = 300;
    const holder = (sessionId: string) => ({ sessionId });
    const admit = (sessionToken: string, sessionId: string, at: number) =>
      store.admit(
        {
          sessionToken,
          session: { ...session('olga'), expiresAt: at + lifetime },
          maxSessions: 2,
          holder: holder(sessionId),
        },
        at,
      );
    // Two setups, the first torn down: the one that stays is the account's second (counter 2).
    const start = Date.now();
    const gone = newSessionToken(routeOfAccount('olga'));
    await admit(gone, 's.gone', start);
    await store.remove(gone, start);
    let kept = newSessionToken(routeOfAccount('olga'));
    await admit(kept, 's.kept', start);
    // Heartbeats over seven lifetimes, with no setup in between.
    for (let beat = 1; beat <= 14; beat++) {
      await new Promise((resolve) => setTimeout(resolve, lifetime / 2));
      const at = Date.now();
      const next = renewedSessionToken(kept);
      await store.rotate(kept, next, at + lifetime, at, { by: 'heartbeat', replayMs: 0 });
      kept = next;
    }
    const at = Date.now();
    await admit(newSessionToken(routeOfAccount('olga')), 's.new', at);
    // Oldest first: the renewed session, then the new one (a counter that restarted at 1 would
    // put the new one first, and evict-oldest would pick it).
    const listed = await store.sessions('olga', at);
    expect(listed.sessions.map((held) => held.sessionId)).toEqual(['s.kept', 's.new']);
    await store.close();
  });

  it('keeps why a stopped session ended no longer than twice what was left of its life', async () => {
    const store = redisStore(redis.url, { keyPrefix: 'ended:' });
    const client = new Redis(redis.url);
    const sessionToken = token();
    const holder = { sessionId: 's.ended' };
    await store.admit({ sessionToken, session: session('erin'), maxSessions: 1, holder }, now);
    await store.stop('erin', 's.ended', now + 4000);
    const ttl = await client.pttl(`ended:{${routeOfToken(sessionToken)}}x:${sessionToken}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(12_000);
    client.disconnect();
    await store.close();
  });

  it('shares one limit between two stores on one Redis', async () => {
    const [a, b] = [
      redisStore(redis.url, { keyPrefix: 'shared:' }),
      redisStore(redis.url, { keyPrefix: 'shared:' }),
    ];
    const admit = (store: typeof a) =>
      store.admit({ sessionToken: token(), session: session('bob'), maxSessions: 2 }, now);
    const results = await Promise.all([admit(a), admit(b), admit(a), admit(b)]);
    expect(results.filter((result) => result.admitted)).toHaveLength(2);
    expect(await b.count('bob', now)).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps stores with different key prefixes apart', async () => {
    const [a, b] = [
      redisStore(redis.url, { keyPrefix: 'one:' }),
      redisStore(redis.url, { keyPrefix: 'two:' }),
    ];
    await a.admit({ sessionToken: token(), session: session('carol'), maxSessions: 1 }, now);
    expect(await b.count('carol', now)).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('fails fast with StoreUnavailableError when Redis cannot be reached', async () => {
    const store = redisStore('redis://127.0.0.1:1');
    await store.ready?.();
    const started = Date.now();
    await expect(store.count('dave', now)).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    expect(Date.now() - started).toBeLessThan(500);
    await store.close();
  });
});
