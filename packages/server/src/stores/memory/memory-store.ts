import {
  type RenewalTerms,
  type SsmStore,
  type StoredSession,
  StoreUnavailableError,
} from '../store.js';
import { expiryQueue, type Scheduled, scheduledQueue } from './expiry-queue.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Ms since the epoch, used when a call passes no `now`; default `Date.now`. */
  clock?: () => number;
}

/**
 * A live session as the store holds it: one record for its whole life, whatever its token, so a
 * renewal changes fields instead of leaving entries behind. Its `dueAt` is its expiry.
 */
interface Held extends Scheduled {
  token: string;
  session: StoredSession;
  /** The token the last renewal replaced: a repeat of that renewal gets the same answer. */
  replaced: string | undefined;
  replayUntil: number;
  replayBy: RenewalTerms['by'] | undefined;
}

/** The answer of a setup with an idempotency key. */
interface KeptSetup {
  sessionToken: string;
  until: number;
}

/**
 * A store in this process's memory: the default, for one server process. Expired sessions are
 * removed when a call comes across them and by {@link SsmStore.sweep}, which finds them through
 * an expiry queue instead of looking at every session. What it keeps follows the live sessions,
 * not the renewals: a session renewed a thousand times is still one record and one queue entry.
 */
export function memoryStore(options: MemoryStoreOptions = {}): SsmStore {
  const clock = options.clock ?? Date.now;
  const sessions = new Map<string, Held>();
  /** Counted sessions by account: the slots in use. */
  const slots = new Map<string, Set<Held>>();
  /** Sessions by the token their last renewal replaced, while that renewal may be repeated. */
  const renewals = new Map<string, Held>();
  const setups = new Map<string, KeptSetup>();
  const expiries = scheduledQueue<Held>();
  /** The scopes of kept setup answers, by when they are forgotten. */
  const setupsDue = expiryQueue<string>();
  let closed = false;

  function open(): void {
    if (closed) throw new StoreUnavailableError('memory store is closed');
  }

  function insert(token: string, session: StoredSession): void {
    const record: Held = {
      token,
      session,
      dueAt: session.expiresAt,
      heapIndex: -1,
      replaced: undefined,
      replayUntil: 0,
      replayBy: undefined,
    };
    sessions.set(token, record);
    expiries.add(record);
    if (session.counted) {
      const held = slots.get(session.accountId) ?? new Set<Held>();
      slots.set(session.accountId, held.add(record));
    }
  }

  /** Forgets the renewal a repeat of which would get the same answer. */
  function forgetRenewal(record: Held): void {
    if (record.replaced !== undefined && renewals.get(record.replaced) === record) {
      renewals.delete(record.replaced);
    }
    record.replaced = undefined;
  }

  function drop(record: Held): void {
    sessions.delete(record.token);
    expiries.remove(record);
    forgetRenewal(record);
    const held = slots.get(record.session.accountId);
    held?.delete(record);
    if (held?.size === 0) slots.delete(record.session.accountId);
  }

  /** The record of a live `token`; an expired one is removed and reported. */
  function held(token: string, now: number): { record?: Held; expired: number } {
    const record = sessions.get(token);
    if (!record) return { expired: 0 };
    if (record.session.expiresAt <= now) {
      drop(record);
      return { expired: 1 };
    }
    return { record, expired: 0 };
  }

  function pruneAccount(accountId: string, now: number): number {
    let expired = 0;
    for (const record of slots.get(accountId) ?? []) {
      if (record.session.expiresAt <= now) {
        drop(record);
        expired += 1;
      }
    }
    return expired;
  }

  /** Removes what fell due: expired sessions (counted) and setup answers kept past their time. */
  function prune(now: number): number {
    const due = expiries.takeDue(now);
    for (const record of due) drop(record);
    for (const { value: scope } of setupsDue.takeDue(now)) {
      if ((setups.get(scope)?.until ?? now) <= now) setups.delete(scope);
    }
    return due.length;
  }

  /** The answer of the renewal that replaced `token`, while it may still be repeated. */
  function keptRenewal(token: string, terms: RenewalTerms, now: number) {
    const record = renewals.get(token);
    if (!record || record.replayUntil <= now || record.replayBy !== terms.by) return undefined;
    if (record.session.expiresAt <= now || !ownedBy(record.session, terms)) return undefined;
    return {
      session: { ...record.session },
      replayed: { sessionToken: record.token, expiresAt: record.session.expiresAt },
    };
  }

  return {
    async admit(
      { sessionToken, session, maxSessions, idempotencyKey, replayMs = 0 },
      now = clock(),
    ) {
      open();
      const expired = pruneAccount(session.accountId, now);
      const scope = idempotencyKey === undefined ? undefined : setupScope(session, idempotencyKey);
      const kept = scope === undefined ? undefined : setups.get(scope);
      if (kept && kept.until > now) {
        const first = held(kept.sessionToken, now).record;
        if (first?.session.contentId === session.contentId) {
          return { admitted: true, expired, replayed: { sessionToken: kept.sessionToken } };
        }
      }
      if (session.counted && (slots.get(session.accountId)?.size ?? 0) >= maxSessions) {
        return { admitted: false, expired };
      }
      insert(sessionToken, stored(session));
      if (scope !== undefined && replayMs > 0) {
        setups.set(scope, { sessionToken, until: now + replayMs });
        setupsDue.push(now + replayMs, scope);
      }
      return { admitted: true, expired };
    },

    async find(sessionToken, now = clock()) {
      open();
      const { record, expired } = held(sessionToken, now);
      return record ? { session: { ...record.session }, expired } : { expired };
    },

    async rotate(sessionToken, nextToken, expiresAt, now = clock(), terms = undefined) {
      open();
      const { record, expired } = held(sessionToken, now);
      if (!record) {
        const kept = terms && expired === 0 && keptRenewal(sessionToken, terms, now);
        return kept ? { ...kept, expired: 0 } : { expired };
      }
      const before = { ...record.session };
      if (terms && !ownedBy(before, terms)) return { session: before, expired, refused: 'owner' };
      if (terms && (before.enforced === true) !== (terms.by === 'licence')) {
        return { session: before, expired, refused: 'mode' };
      }
      sessions.delete(sessionToken);
      record.token = nextToken;
      sessions.set(nextToken, record);
      record.session.expiresAt = expiresAt;
      record.dueAt = expiresAt;
      expiries.moved(record);
      forgetRenewal(record);
      if (terms && terms.replayMs > 0) {
        record.replaced = sessionToken;
        record.replayUntil = now + terms.replayMs;
        record.replayBy = terms.by;
        renewals.set(sessionToken, record);
      }
      return { session: before, expired };
    },

    async remove(sessionToken, now = clock()) {
      open();
      const { record, expired } = held(sessionToken, now);
      if (!record) return { expired };
      drop(record);
      // Dropped from the store, so the caller may have the object itself.
      return { session: record.session, expired };
    },

    async count(accountId, now = clock()) {
      open();
      // Read-only: an expired session is left for the call that removes it to count as expired.
      let live = 0;
      for (const record of slots.get(accountId) ?? []) {
        if (record.session.expiresAt > now) live += 1;
      }
      return live;
    },

    async sweep(now = clock()) {
      open();
      const expired = prune(now);
      return { expired, live: sessions.size };
    },

    async live(now = clock()) {
      open();
      const expired = prune(now);
      return { expired, live: sessions.size };
    },

    async ping() {
      open();
    },

    async close() {
      closed = true;
      for (const record of sessions.values()) expiries.remove(record);
      sessions.clear();
      slots.clear();
      renewals.clear();
      setups.clear();
    },
  };
}

/** The store's own copy of an admitted session, `enforced` only when true. */
function stored({
  accountId,
  contentId,
  counted,
  expiresAt,
  enforced,
}: StoredSession): StoredSession {
  return enforced
    ? { accountId, contentId, counted, expiresAt, enforced }
    : { accountId, contentId, counted, expiresAt };
}

function ownedBy(session: StoredSession, { owner }: RenewalTerms): boolean {
  return (
    owner === undefined ||
    (session.accountId === owner.accountId && session.contentId === owner.contentId)
  );
}

/** Idempotency keys are scoped to the account, so two accounts' keys never meet. */
function setupScope(session: StoredSession, idempotencyKey: string): string {
  return JSON.stringify([session.accountId, idempotencyKey]);
}
