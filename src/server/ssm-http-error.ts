/**
 * Error codes of the reference server, as the wire protocol lists them. 1005, 1006 and 1000 are
 * this server's own: the store cannot be reached, a session was renewed by the call of the other
 * mode (heartbeat or licence), or something failed that no request could cause.
 */
export const SsmServerErrorCode = {
  Internal: 1000,
  ContentTokenMalformed: 1001,
  ContentTokenRejected: 1002,
  SessionTokenInvalid: 1003,
  BadRequest: 1004,
  StoreUnavailable: 1005,
  RenewalModeMismatch: 1006,
  SessionLimit: 1007,
  SessionEnded: 1008,
  NoSuchSession: 1009,
} as const;

/** One of {@link SsmServerErrorCode}. */
export type SsmServerErrorCode = (typeof SsmServerErrorCode)[keyof typeof SsmServerErrorCode];

/** The error body every non-2xx response carries. */
export interface SsmErrorBody {
  errorCode: number;
  message: string;
  /** What a 1007 or 1008 answer says beyond its code: `rule` and `sessions`, or `reason`. */
  [detail: string]: unknown;
}

/**
 * A refusal the server answers with `status` and `{errorCode, message}`. Messages are written for
 * the client: they never carry a token.
 */
export class SsmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: SsmServerErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Fields of the body beyond `errorCode` and `message`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SsmHttpError';
  }

  /** The JSON body of the response. */
  get body(): SsmErrorBody {
    return { errorCode: this.errorCode, message: this.message, ...this.details };
  }
}

/** 401/1001: the content token is missing or cannot be parsed. */
export const contentTokenMalformed = (why: string) =>
  new SsmHttpError(401, SsmServerErrorCode.ContentTokenMalformed, `content token ${why}`);

/** 401/1002: the content token is well formed but its signature or lifetime is not accepted. */
export const contentTokenRejected = (why: string) =>
  new SsmHttpError(401, SsmServerErrorCode.ContentTokenRejected, `content token ${why}`);

/** 401/1003: the session token is not the current token of a live session. */
export const sessionTokenInvalid = (why = 'unknown, expired, torn down or already rotated') =>
  new SsmHttpError(401, SsmServerErrorCode.SessionTokenInvalid, `session token ${why}`);

/** 400/1004: the request itself is malformed. */
export const badRequest = (message: string) =>
  new SsmHttpError(400, SsmServerErrorCode.BadRequest, message);

/** 409/1006: the session is renewed by the other kind of call; nothing was changed. */
export const renewalModeMismatch = (renewedBy: 'heartbeat' | 'licence') =>
  new SsmHttpError(
    409,
    SsmServerErrorCode.RenewalModeMismatch,
    renewedBy === 'licence'
      ? 'session is renewed by its licence requests (DRM enforcement), not by heartbeat'
      : 'session is renewed by heartbeat, not by licence renewals',
  );

/** 403/1007: a limit of the account is reached; says which and the sessions that hold it. */
export const sessionLimit = (rule: string, limit: number, sessions: unknown[]) =>
  new SsmHttpError(
    403,
    SsmServerErrorCode.SessionLimit,
    `account already has its maximum number of concurrent sessions (${rule} ${limit})`,
    {},
    { rule, sessions },
  );

const ENDED_MESSAGES = {
  stopped: 'the session was stopped from another device',
  evicted: 'the session ended for a newer playback',
} as const;

/** 403/1008: the session was stopped from another device or evicted for a newer one. */
export const sessionEnded = (reason: keyof typeof ENDED_MESSAGES) =>
  new SsmHttpError(403, SsmServerErrorCode.SessionEnded, ENDED_MESSAGES[reason], {}, { reason });

/** 404/1009: the account has no live session of that id. */
export const noSuchSession = () =>
  new SsmHttpError(
    404,
    SsmServerErrorCode.NoSuchSession,
    'no live session of this account with that sessionId',
  );

/** 503/1005: the session store cannot be reached; the client may try again shortly. */
export const storeUnavailable = () =>
  new SsmHttpError(
    503,
    SsmServerErrorCode.StoreUnavailable,
    'session store unavailable, try again',
    { 'Retry-After': '1' },
  );

/** 500/1000: a failure no request should be able to cause. */
export const internalError = () =>
  new SsmHttpError(500, SsmServerErrorCode.Internal, 'internal error');
