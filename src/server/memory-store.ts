import { type SsmStore, type StoredSession, StoreUnavailableError } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Ms since the epoch, used when a call passes no `now`; default `Date.now`. */
  clock?: () => number;
}

/**
 * A store in this process's memory: the default, for one server process. Expired sessions are
 * removed when a call comes across them and by {@link SsmStore.sweep}.
 */
export function memoryStore(options: MemoryStoreOptions = {}): SsmStore {
  const clock = options.clock ?? Date.now;
  const sessions = new Map<string, StoredSession>();
  /** Counted session tokens by account: the slots in use. */
  const slots = new Map<string, Set<string>>();
  let closed = false;

  function open(): void {
    if (closed) throw new StoreUnavailableError('memory store is closed');
  }

  function drop(token: string, session: StoredSession): void {
    sessions.delete(token);
    const held = slots.get(session.accountId);
    held?.delete(token);
    if (held?.size === 0) slots.delete(session.accountId);
  }

  /** The live session of `token`; an expired one is removed and reported. */
  function live(token: string, now: number): { session?: StoredSession; expired: number } {
    const session = sessions.get(token);
    if (!session) return { expired: 0 };
    if (session.expiresAt <= now) {
      drop(token, session);
      return { expired: 1 };
    }
    return { session: { ...session }, expired: 0 };
  }

  function pruneAccount(accountId: string, now: number): number {
    let expired = 0;
    for (const token of slots.get(accountId) ?? []) expired += live(token, now).expired;
    return expired;
  }

  return {
    async admit({ sessionToken, session, maxSessions }, now = clock()) {
      open();
      const expired = pruneAccount(session.accountId, now);
      if (session.counted) {
        const held = slots.get(session.accountId) ?? new Set<string>();
        if (held.size >= maxSessions) return { admitted: false, expired };
        slots.set(session.accountId, held.add(sessionToken));
      }
      const { enforced, ...kept } = session;
      sessions.set(sessionToken, enforced ? { ...kept, enforced } : kept);
      return { admitted: true, expired };
    },

    async find(sessionToken, now = clock()) {
      open();
      return live(sessionToken, now);
    },

    async rotate(sessionToken, nextToken, expiresAt, now = clock()) {
      open();
      const found = live(sessionToken, now);
      if (!found.session) return found;
      drop(sessionToken, found.session);
      sessions.set(nextToken, { ...found.session, expiresAt });
      if (found.session.counted) {
        const held = slots.get(found.session.accountId) ?? new Set<string>();
        slots.set(found.session.accountId, held.add(nextToken));
      }
      return found;
    },

    async remove(sessionToken, now = clock()) {
      open();
      const found = live(sessionToken, now);
      if (found.session) drop(sessionToken, found.session);
      return found;
    },

    async count(accountId, now = clock()) {
      open();
      // Read-only: an expired session is left for the call that removes it to count as expired.
      let held = 0;
      for (const token of slots.get(accountId) ?? []) {
        if ((sessions.get(token)?.expiresAt ?? now) > now) held += 1;
      }
      return held;
    },

    async sweep(now = clock()) {
      open();
      let expired = 0;
      for (const token of [...sessions.keys()]) expired += live(token, now).expired;
      return { expired, live: sessions.size };
    },

    async ping() {
      open();
    },

    async close() {
      closed = true;
      sessions.clear();
      slots.clear();
    },
  };
}
