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

/** What {@link SsmStore.admit} is asked to do: insert `session` unless the account is full. */
export interface Admission {
  sessionToken: string;
  session: StoredSession;
  /** The account's limit; ignored for a session that is not counted. */
  maxSessions: number;
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
  /** Inserts the session unless the account already holds `maxSessions` live counted sessions. */
  admit(admission: Admission, now?: number): Promise<StoreResult & { admitted: boolean }>;
  /** The live session of `sessionToken`, if any. */
  find(sessionToken: string, now?: number): Promise<StoreResult & { session?: StoredSession }>;
  /**
   * Replaces `sessionToken` by `nextToken` with a new expiry; the old token is dead from then
   * on. Answers the session as it was, or nothing if `sessionToken` was not live.
   */
  rotate(
    sessionToken: string,
    nextToken: string,
    expiresAt: number,
    now?: number,
  ): Promise<StoreResult & { session?: StoredSession }>;
  /** Removes the session; answers it if it was live. */
  remove(sessionToken: string, now?: number): Promise<StoreResult & { session?: StoredSession }>;
  /** Live counted sessions of the account. */
  count(accountId: string, now?: number): Promise<number>;
  /** Removes every expired session; answers how many were removed and how many are live. */
  sweep(now?: number): Promise<StoreResult & { live: number }>;
  /** Resolves when the store can be reached; rejects with {@link StoreUnavailableError} if not. */
  ping(): Promise<void>;
  /** Resolves once the store has tried to connect, whether or not it succeeded. */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

/** The store cannot be reached right now: the server answers 503 and tries again next request. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
