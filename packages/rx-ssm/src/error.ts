import type { SsmSource } from './types.js';

/** Error codes apps already know from the vendor SDKs. */
export enum SsmErrorCode {
  Setup = 6001,
  Teardown = 6002,
  Heartbeat = 6003,
}

/** Which SSM call failed. */
export type SsmErrorKind = 'setup' | 'teardown' | 'heartbeat';

const codeOf: Record<SsmErrorKind, SsmErrorCode> = {
  setup: SsmErrorCode.Setup,
  teardown: SsmErrorCode.Teardown,
  heartbeat: SsmErrorCode.Heartbeat,
};

/** Server `errorCode` for "the account already has its maximum number of sessions". */
export const SESSION_LIMIT_SERVER_CODE = 1007;

/** What {@link SsmError} is built from. */
export interface SsmErrorInit {
  kind: SsmErrorKind;
  message: string;
  httpStatus?: number;
  serverCode?: number;
  serverMessage?: string;
  source?: SsmSource;
  cause?: unknown;
  /** Default: every error but a teardown's. False for an error that ends no session. */
  fatal?: boolean;
}

/**
 * A failed SSM call. Arrives on `errors$`; a fatal one is also the `error` state.
 * A teardown error is not fatal: the session that follows it lives on.
 */
export class SsmError extends Error {
  override readonly name = 'SsmError';
  readonly code: SsmErrorCode;
  readonly kind: SsmErrorKind;
  readonly fatal: boolean;
  declare readonly httpStatus?: number;
  declare readonly serverCode?: number;
  declare readonly serverMessage?: string;
  declare readonly source?: SsmSource;

  constructor(init: SsmErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.code = codeOf[init.kind];
    this.fatal = init.fatal ?? init.kind !== 'teardown';
    // Absent, not undefined, when unknown: `httpStatus` is absent when no response came.
    const { httpStatus, serverCode, serverMessage, source } = init;
    Object.assign(this, {
      ...(httpStatus !== undefined && { httpStatus }),
      ...(serverCode !== undefined && { serverCode }),
      ...(serverMessage !== undefined && { serverMessage }),
      ...(source !== undefined && { source }),
    });
  }

  /** The server refused because the account is at its concurrent-session limit (1007). */
  get isSessionLimit(): boolean {
    return this.serverCode === SESSION_LIMIT_SERVER_CODE;
  }
}
