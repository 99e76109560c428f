import type { HeldSession, SsmLimitRule } from './account/held-session.js';
import type { SsmSource } from './source.js';

/**
 * Error codes apps already know from the vendor SDKs (6001–6003), and 6004 for the account
 * calls (`accountSessions`, `stopSession`), which no vendor SDK has.
 */
export enum SsmErrorCode {
  Setup = 6001,
  Teardown = 6002,
  Heartbeat = 6003,
  /** Listing the account's sessions or stopping one failed; it ends no session. */
  Account = 6004,
}

/**
 * Which SSM call failed: `account` is `accountSessions` or `stopSession` (code 6004, never
 * fatal: no pipeline's session ends with it).
 */
export type SsmErrorKind = 'setup' | 'teardown' | 'heartbeat' | 'account';

/** The kinds in the order of their codes: `setup` is 6001, each next one a code higher. */
const KINDS: readonly SsmErrorKind[] = ['setup', 'teardown', 'heartbeat', 'account'];

/** Server `errorCode` for "the account already has its maximum number of sessions". */
export const SESSION_LIMIT_SERVER_CODE = 1007;

/** Server `errorCode` for "this session was stopped from another device or evicted". */
export const STOPPED_REMOTELY_SERVER_CODE = 1008;

/** What {@link SsmError} is built from. */
export interface SsmErrorInit {
  kind: SsmErrorKind;
  message: string;
  httpStatus?: number;
  serverCode?: number;
  serverMessage?: string;
  source?: SsmSource;
  cause?: unknown;
  /** Default: every error but a teardown's or an account call's. False for one that ends no session. */
  fatal?: boolean;
  /** On a limit refusal: the rule that refused. */
  rule?: SsmLimitRule;
  /** On a limit refusal: the sessions that hold the slots, when the server lists them. */
  heldBy?: readonly HeldSession[];
}

/**
 * A failed SSM call. Arrives on `errors$`; a fatal one is also the `error` state.
 * A teardown error is not fatal: the session that follows it lives on.
 */
export class SsmError extends Error {
  override readonly name = 'SsmError';
  declare readonly code: SsmErrorCode;
  declare readonly kind: SsmErrorKind;
  declare readonly fatal: boolean;
  declare readonly httpStatus?: number;
  declare readonly serverCode?: number;
  declare readonly serverMessage?: string;
  declare readonly source?: SsmSource;
  /**
   * On a limit refusal (1007) from a server that names it: which rule refused
   * (`maxSessions`, `maxDevices`, `maxSessionsPerContent`, `maxSessionsPerGroup`).
   */
  declare readonly rule?: SsmLimitRule;
  /**
   * On a limit refusal from a server that lists them: the sessions that hold the slots, e.g. to
   * offer "Stop it and watch here" with `stopSession`. Never carries a token.
   */
  declare readonly heldBy?: readonly HeldSession[];

  constructor({ message, cause, fatal, ...known }: SsmErrorInit) {
    super(message, cause === undefined ? undefined : { cause });
    // `kind`, and each other field only when known: `httpStatus` is absent when no response came.
    for (const [field, value] of Object.entries(known)) {
      if (value !== undefined) (this as Record<string, unknown>)[field] = value;
    }
    this.code = SsmErrorCode.Setup + KINDS.indexOf(this.kind);
    this.fatal = fatal ?? (this.kind !== 'teardown' && this.kind !== 'account');
  }

  /** The server refused because the account is at its concurrent-session limit (1007). */
  get isSessionLimit(): boolean {
    return this.serverCode === SESSION_LIMIT_SERVER_CODE;
  }

  /**
   * The session was stopped from another device (`stopSession`) or evicted for a newer
   * playback by the server's `onLimit: evict-oldest` (1008). Playing again sets up a new one.
   */
  get isStoppedRemotely(): boolean {
    return this.serverCode === STOPPED_REMOTELY_SERVER_CODE;
  }
}
