import { expiryQueue } from './expiry-queue.js';
import {
  type RenewalTerms,
  type SsmStore,
  type StoredSession,
  StoreUnavailableError,
} from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Ms since the epoch, used when a call passes no `now`; default `Date.now`. */
  clock?: () => number;
}

/** The answer of the last renewal of a session, kept under the token it replaced. */
interface KeptRenewal {
  nextToken: string;
  until: number;
  by: RenewalTerms['by'];
}

/** The answer of a setup with an idempotency key. */
interface KeptSetup {
  sessionToken: string;
  until: number;
}

/**
 * A store in this process's memory: the default, for one server process. Expired sessions are
 * removed when a call comes across them and by {@link SsmStore.sweep}, which finds them through
 * an expiry queue instead of looking at every session.
 */
export function memoryStore(options: MemoryStoreOptions = {}): SsmStore {
  const clock = options.clock ?? Date.now;
  const sessions = new Map<string, StoredSession>();
  /** Counted session tokens by account: the slots in use. */
  const slots = new Map<string, Set<string>>();
  const renewals = new Map<string, KeptRenewal>();
  const setups = new Map<string, KeptSetup>();
  // What falls due when, by kind: session tokens, replaced tokens whose renewal answer is kept,
  // and the scopes of kept setup answers.
  const sessionsDue = expiryQueue<string>();
  const renewalsDue = expiryQueue<string>();
  const setupsDue = expiryQueue<string>();
  let closed = false;

  function open(): void {
    if (closed) throw new StoreUnavailableError('memory store is closed');
  }

  /** Keeps `session` itself, not a copy: callers hand over an object of their own. */
  function insert(token: string, session: StoredSession): void {
    sessions.set(token, session);
    sessionsDue.push(session.expiresAt, token);
    if (session.counted) {
      const held = slots.get(session.accountId) ?? new Set<string>();
      slots.set(session.accountId, held.add(token));
    }
  }

  function drop(token: string, session: StoredSession): void {
    sessions.delete(token);
    const held = slots.get(session.accountId);
    held?.delete(token);
    if (held?.size === 0) slots.delete(session.accountId);
  }

  /** The session as the store keeps it (not to be handed out); an expired one is removed. */
  function held(token: string, now: number): { session?: StoredSession; expired: number } {
    const session = sessions.get(token);
    if (!session) return { expired: 0 };
    if (session.expiresAt <= now) {
      drop(token, session);
      return { expired: 1 };
    }
    return { session, expired: 0 };
  }

  /** The live session of `token`, as a copy; an expired one is removed and reported. */
  function live(token: string, now: number): { session?: StoredSession; expired: number } {
    const found = held(token, now);
    return found.session ? { session: { ...found.session }, expired: 0 } : found;
  }

  function pruneAccount(accountId: string, now: number): number {
    let expired = 0;
    for (const token of slots.get(accountId) ?? []) expired += held(token, now).expired;
    return expired;
  }

  /** Removes what fell due: expired sessions (counted) and answers kept past their time. */
  function prune(now: number): number {
    let expired = 0;
    for (const { value: token } of sessionsDue.takeDue(now)) expired += held(token, now).expired;
    for (const { value: token } of renewalsDue.takeDue(now)) {
      if ((renewals.get(token)?.until ?? now) <= now) renewals.delete(token);
    }
    for (const { value: scope } of setupsDue.takeDue(now)) {
      if ((setups.get(scope)?.until ?? now) <= now) setups.delete(scope);
    }
    return expired;
  }

  /** The kept answer of the renewal that replaced `token`, while it may still be repeated. */
  function keptRenewal(token: string, terms: RenewalTerms, now: number) {
    const kept = renewals.get(token);
    if (!kept || kept.until <= now || kept.by !== terms.by) return undefined;
    const next = held(kept.nextToken, now).session;
    if (!next || !ownedBy(next, terms)) return undefined;
    return {
      session: { ...next },
      replayed: { sessionToken: kept.nextToken, expiresAt: next.expiresAt },
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
        const first = held(kept.sessionToken, now).session;
        if (first?.contentId === session.contentId) {
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
      return live(sessionToken, now);
    },

    async rotate(sessionToken, nextToken, expiresAt, now = clock(), terms = undefined) {
      open();
      const found = held(sessionToken, now);
      const { session } = found;
      if (!session) {
        const kept = terms && found.expired === 0 && keptRenewal(sessionToken, terms, now);
        return kept ? { ...kept, expired: 0 } : found;
      }
      if (terms && !ownedBy(session, terms)) {
        return { session: { ...session }, expired: 0, refused: 'owner' };
      }
      if (terms && (session.enforced === true) !== (terms.by === 'licence')) {
        return { session: { ...session }, expired: 0, refused: 'mode' };
      }
      drop(sessionToken, session);
      insert(nextToken, { ...session, expiresAt });
      if (terms && terms.replayMs > 0) {
        renewals.set(sessionToken, { nextToken, until: now + terms.replayMs, by: terms.by });
        renewalsDue.push(now + terms.replayMs, sessionToken);
      }
      // Dropped from the store, so the caller may have the object itself.
      return found;
    },

    async remove(sessionToken, now = clock()) {
      open();
      const found = held(sessionToken, now);
      // Dropped from the store, so the caller may have the object itself.
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
