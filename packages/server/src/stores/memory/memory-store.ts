import { type LimitDecision, limitDecision, policed } from '../limit-decision.js';
import {
  type Admission,
  type EndReason,
  type HeldSession,
  type RenewalTerms,
  type SsmStore,
  type StoredSession,
  StoreUnavailableError,
} from '../store.js';
import { expiryQueue, type Scheduled, scheduledQueue } from './expiry-queue.js';

/** The decision of an admission that no rule can refuse. */
const ADMIT: LimitDecision = Object.freeze({ admitted: true, evict: [] as HeldSession[] });

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
  /** What the account's listing shows of it. */
  holder: HeldSession;
  /** The token the last renewal replaced: a repeat of that renewal gets the same answer. */
  replaced: string | undefined;
  replayUntil: number;
  replayBy: RenewalTerms['by'] | undefined;
}

/** Why a session that left the store before its expiry ended, kept until that expiry. */
interface Ended {
  reason: EndReason;
  until: number;
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
  /** Tokens of sessions stopped or evicted, until the session would have expired. */
  const ended = new Map<string, Ended>();
  const expiries = scheduledQueue<Held>();
  /** The scopes of kept setup answers, by when they are forgotten. */
  const setupsDue = expiryQueue<string>();
  /** The tokens of ended sessions, by when they are forgotten. */
  const endedDue = expiryQueue<string>();
  let closed = false;

  function open(): void {
    if (closed) throw new StoreUnavailableError('memory store is closed');
  }

  function insert(token: string, session: StoredSession, holder: HeldSession): void {
    const record: Held = {
      token,
      session,
      holder,
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

  /** Drops a live session on purpose: its token answers why until it would have expired. */
  function end(record: Held, reason: EndReason, now: number): void {
    // The token the last renewal replaced is told too: a repeat of that renewal, whose answer
    // was lost, learns why instead of hearing of an unknown token.
    const tokens = record.replaced === undefined ? [record.token] : [record.token, record.replaced];
    drop(record);
    const until = record.session.expiresAt;
    if (until <= now) return;
    for (const token of tokens) {
      ended.set(token, { reason, until });
      endedDue.push(until, token);
    }
  }

  /** Why the session of `token` ended, while that is remembered. */
  function endedAs(token: string, now: number): EndReason | undefined {
    const end = ended.get(token);
    return end && end.until > now ? end.reason : undefined;
  }

  function pruneAccount(accountId: string, now: number): number {
    // No session at all has expired: nothing to look for among the account's.
    if (expiries.firstDueAt > now) return 0;
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
    for (const { value: token } of endedDue.takeDue(now)) {
      if ((ended.get(token)?.until ?? now) <= now) ended.delete(token);
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
      { sessionToken, session, maxSessions, limits, holder, idempotencyKey, replayMs = 0 },
      now = clock(),
    ) {
      open();
      const expired = pruneAccount(session.accountId, now);
      const scope = idempotencyKey === undefined ? undefined : setupScope(session, idempotencyKey);
      const kept = scope === undefined ? undefined : setups.get(scope);
      if (kept && kept.until > now) {
        const first = held(kept.sessionToken, now).record;
        if (first?.session.contentId === session.contentId) {
          const replayed = { sessionToken: kept.sessionToken, sessionId: first.holder.sessionId };
          return { admitted: true, expired, replayed };
        }
      }
      const record = heldSession(session, holder, now);
      let evicted: HeldSession[] = [];
      if (session.counted) {
        const account = slots.get(session.accountId);
        // Below maxSessions and with no other rule, the decision is "admit": no list to make.
        const decision =
          (account?.size ?? 0) < maxSessions && !(limits && policed(limits))
            ? ADMIT
            : limitDecision(
                account ? Array.from(account, (other) => other.holder) : [],
                record,
                maxSessions,
                limits,
              );
        if (!decision.admitted) {
          const holders = decision.holders.map((other) => ({ ...other }));
          return { admitted: false, expired, refusedBy: decision.rule, holders };
        }
        if (account && decision.evict.length > 0) {
          // A copy: ending a session takes it out of the account's set.
          for (const other of [...account]) {
            if (decision.evict.includes(other.holder)) end(other, 'evicted', now);
          }
          evicted = decision.evict.map((other) => ({ ...other }));
        }
      }
      insert(sessionToken, stored(session), record);
      if (scope !== undefined && replayMs > 0) {
        setups.set(scope, { sessionToken, until: now + replayMs });
        setupsDue.push(now + replayMs, scope);
      }
      return evicted.length > 0
        ? { admitted: true, expired, evicted }
        : { admitted: true, expired };
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
        if (kept) return { ...kept, expired: 0 };
        const reason = endedAs(sessionToken, now);
        return reason ? { expired, ended: reason } : { expired };
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
      record.holder.renewedAt = now;
      record.dueAt = expiresAt;
      expiries.moved(record);
      forgetRenewal(record);
      // A renewal that keeps its token (the stable licence policy) leaves nothing to repeat.
      if (terms && terms.replayMs > 0 && nextToken !== sessionToken) {
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
      if (!record) {
        const reason = endedAs(sessionToken, now);
        ended.delete(sessionToken);
        return reason ? { expired, ended: reason } : { expired };
      }
      drop(record);
      // Dropped from the store, so the caller may have the object itself.
      return { session: record.session, expired };
    },

    async sessions(accountId, now = clock()) {
      open();
      const expired = pruneAccount(accountId, now);
      const account = [...(slots.get(accountId) ?? [])];
      return { expired, sessions: account.map((record) => ({ ...record.holder })) };
    },

    async stop(accountId, sessionId, now = clock()) {
      open();
      const expired = pruneAccount(accountId, now);
      for (const record of slots.get(accountId) ?? []) {
        if (record.holder.sessionId !== sessionId) continue;
        end(record, 'stopped', now);
        return { expired, stopped: { ...record.holder } };
      }
      return { expired };
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
      ended.clear();
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

/** What the listing shows of a session admitted at `now`: its holder, set up and renewed then. */
function heldSession(
  session: StoredSession,
  holder: Admission['holder'],
  now: number,
): HeldSession {
  return {
    sessionId: holder?.sessionId ?? '',
    contentId: session.contentId,
    ...(holder?.contentGroup !== undefined && { contentGroup: holder.contentGroup }),
    ...(holder?.deviceHash !== undefined && { deviceHash: holder.deviceHash }),
    ...(holder?.deviceName !== undefined && { deviceName: holder.deviceName }),
    ...(holder?.deviceType !== undefined && { deviceType: holder.deviceType }),
    startedAt: now,
    renewedAt: now,
  };
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
