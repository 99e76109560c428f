/** A live session as a store keeps it. */
export interface StoredSession {
  accountId: string;
  contentId: string;
  /** True when the session holds one of the account's slots (session control enabled). */
  counted: boolean;
  /** Ms since the epoch at which the session expires unless renewed. */
  expiresAt: number;
  /**
   * True when the session is renewed by its licence requests instead of heartbeats (its content
   * token asked for DRM enforcement). Stores answer it only when true.
   */
  enforced?: boolean;
}

/** The rules of the concurrency policy, as a 1007 answer names the one that refused. */
export type LimitRule =
  | 'maxSessions'
  | 'maxDevices'
  | 'maxSessionsPerContent'
  | 'maxSessionsPerGroup';

/** What happens at a limit: the new setup is refused, or the oldest session blocking it ends. */
export type OnLimit = 'deny' | 'evict-oldest';

/** The limits of an admission beyond `maxSessions`; an absent one is no limit. */
export interface SessionLimits {
  /** Distinct devices holding the account's counted sessions. */
  maxDevices?: number;
  /** The account's counted sessions of the admission's content. */
  maxSessionsPerContent?: number;
  /** The account's counted sessions of the admission's `contentGroup`; needs one. */
  maxSessionsPerGroup?: number;
  /** Default `deny`. */
  onLimit?: OnLimit;
}

/**
 * A counted session as the account's listing shows it: never its token, never a raw device id.
 * Times are ms since the epoch.
 */
export interface HeldSession {
  sessionId: string;
  contentId: string;
  contentGroup?: string;
  /** The hash of the device id the setup named; absent when it named none (a device of its own). */
  deviceHash?: string;
  deviceName?: string;
  deviceType?: string;
  startedAt: number;
  renewedAt: number;
}

/** Who a session is, beyond what {@link StoredSession} says: what the listing shows of it. */
export interface SessionHolder {
  /** Public and random: names the session in listings and stops, never usable as a token. */
  sessionId: string;
  contentGroup?: string;
  deviceHash?: string;
  deviceName?: string;
  deviceType?: string;
}

/** What {@link SsmStore.admit} is asked to do: insert `session` unless the account is full. */
export interface Admission {
  sessionToken: string;
  session: StoredSession;
  /** The account's limit; ignored for a session that is not counted. */
  maxSessions: number;
  /** The other limits and what happens at one; ignored for a session that is not counted. */
  limits?: SessionLimits;
  /** The session's id and device; without one the session lists with an empty id. */
  holder?: SessionHolder;
  /**
   * The setup's `Idempotency-Key`, scoped to the session's account. While the session it admitted
   * is live, of the same content and not yet renewed, and for `replayMs` after the admission, an
   * admission with the same key answers that session again instead of taking a slot.
   */
  idempotencyKey?: string;
  /** How long an admission with an `idempotencyKey` is remembered, in ms; default 0 (not). */
  replayMs?: number;
}

/** What {@link SsmStore.admit} answers. */
export interface AdmissionResult extends StoreResult {
  admitted: boolean;
  /** Set when the admission repeated an earlier one: the token (and id) that one answered. */
  replayed?: { sessionToken: string; sessionId?: string };
  /** Set when refused: the first rule the admission would break. */
  refusedBy?: LimitRule;
  /** Set when refused: the sessions that block it, least recently set up first. */
  holders?: HeldSession[];
  /** Set when admitted with `evict-oldest` and it ended sessions to make room: those, in order. */
  evicted?: HeldSession[];
}

/** Why a session's token still answers after it left the store: it was ended on purpose. */
export type EndReason = 'stopped' | 'evicted';

/** How a renewal by {@link SsmStore.rotate} is asked for, beyond a bare rotation. */
export interface RenewalTerms {
  /**
   * The call that renews. A session under DRM enforcement (`enforced`) is renewed by licence
   * requests only, any other by heartbeats only; the other kind is refused (`refused: 'mode'`).
   */
  by: 'heartbeat' | 'licence';
  /** The session must belong to this account and content, else `refused: 'owner'`. */
  owner?: { accountId: string; contentId: string };
  /**
   * How long, in ms, the answer of this renewal is kept: the same renewal repeated with the token
   * it replaced, before the next renewal and within this time, gets the same answer (`replayed`).
   */
  replayMs: number;
}

/** What {@link SsmStore.rotate} answers. */
export interface RotationResult extends StoreResult {
  /** The session as it was before the call (or, when `replayed`, as it is), if the token was known. */
  session?: StoredSession;
  /** Set when the call repeated the last renewal: the next token and expiry it answered. */
  replayed?: { sessionToken: string; expiresAt: number };
  /** Set when the session was found but left as it was, and why. */
  refused?: 'mode' | 'owner';
  /** Set when the token was that of a session stopped or evicted within its lifetime. */
  ended?: EndReason;
}

/**
 * Every store answer says how many sessions it found expired (and removed) on the way, so the
 * server can count expiries whichever call happened to notice them.
 */
export interface StoreResult {
  expired: number;
}

/**
 * Where sessions live. Each call is atomic on its own; `now` is the caller's clock (ms since the
 * epoch) and decides what has expired, so tests can move time. A store answers
 * {@link StoreUnavailableError} when it cannot be reached.
 */
export interface SsmStore {
  /**
   * Inserts the session unless one of its limits is reached (then answers the rule and the
   * sessions that block it), or, with `onLimit: 'evict-oldest'`, ends the least recently set-up
   * blocking sessions first; or answers the session an earlier admission with the same
   * idempotency key gave. The decision and what it changes are one atomic step per account.
   */
  admit(admission: Admission, now?: number): Promise<AdmissionResult>;
  /** The live session of `sessionToken`, if any. */
  find(sessionToken: string, now?: number): Promise<StoreResult & { session?: StoredSession }>;
  /**
   * Replaces `sessionToken` by `nextToken` with a new expiry; the old token is dead from then
   * on. A `nextToken` equal to `sessionToken` keeps the token and only extends the session (no
   * answer is kept for a repeat: the same call again simply extends it again). Answers the session as it was, or nothing if `sessionToken` was not live. With `terms`,
   * only a session renewed that way is rotated, and the answer is kept for a repeat.
   */
  rotate(
    sessionToken: string,
    nextToken: string,
    expiresAt: number,
    now?: number,
    terms?: RenewalTerms,
  ): Promise<RotationResult>;
  /**
   * Removes the session; answers it if it was live, or why it ended if it was stopped or evicted
   * (and forgets that).
   */
  remove(
    sessionToken: string,
    now?: number,
  ): Promise<StoreResult & { session?: StoredSession; ended?: EndReason }>;
  /** The account's live counted sessions, least recently set up first. */
  sessions(accountId: string, now?: number): Promise<StoreResult & { sessions: HeldSession[] }>;
  /**
   * Ends the account's live counted session `sessionId` at once: its slot is free, and its token
   * answers `ended: 'stopped'` until the session would have expired. Answers the session, or
   * nothing when the account has no such live session.
   */
  stop(
    accountId: string,
    sessionId: string,
    now?: number,
  ): Promise<StoreResult & { stopped?: HeldSession }>;
  /** Live counted sessions of the account. */
  count(accountId: string, now?: number): Promise<number>;
  /**
   * Removes every expired session; answers how many were removed and how many are live. Costs in
   * proportion to the sessions that expired, not to all sessions.
   */
  sweep(now?: number): Promise<StoreResult & { live: number }>;
  /**
   * How many sessions (counted or not) are live, at a cost independent of how many there are. A
   * store may remove expired sessions on the way and report them.
   */
  live(now?: number): Promise<StoreResult & { live: number }>;
  /** Resolves when the store can be reached; rejects with {@link StoreUnavailableError} if not. */
  ping(): Promise<void>;
  /** Resolves once the store has tried to connect, whether or not it succeeded. */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store cannot be reached right now, or answered too late: the call changed nothing. The
 * server answers 503 and tries again next request.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
