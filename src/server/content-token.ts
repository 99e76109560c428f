import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { contentTokenMalformed, contentTokenRejected } from './ssm-http-error.js';

/**
 * The signing secret used when none is configured. Anyone can read it here, so a server that
 * relies on it accepts tokens minted by anyone: development only.
 */
export const DEV_SECRET = 'rx-ssm-dev-secret-not-for-production-use';

/** What the server needs from a verified content token. */
export interface ContentClaims {
  accountId: string;
  contentId: string;
  /** False: the session counts against no limit. */
  sessionControlEnabled: boolean;
  /** The account's limit of concurrent sessions; meaningful only when session control is on. */
  maxSessions: number;
  /** True: sessions are renewed by their licence requests, not by heartbeats (DRM enforcement). */
  drmEnforced: boolean;
}

/** The keys a server verifies content tokens with. */
export interface SigningKeys {
  /** Verifies tokens whose header has no `kid` (or any `kid` when `keys` is empty). */
  secret?: string;
  /** `kid` → secret; a token whose `kid` is listed is verified with that secret only. */
  keys?: Record<string, string>;
}

/** Options of {@link mintContentToken}. */
export interface MintContentTokenOptions {
  /** HS256 secret, the same the server verifies with. */
  secret: string;
  /** Written to the JWS header so a server with several keys picks the right one. */
  kid?: string;
  accountId: string;
  contentId: string;
  /** Default 2. */
  maxSessions?: number;
  /** Default true; false mints a token whose sessions count against no limit. */
  sessionControlEnabled?: boolean;
  /** True mints a token whose sessions are renewed by licence requests instead of heartbeats. */
  drmEnforced?: boolean;
  /** Lifetime of the token, default 3600 seconds. */
  ttlSeconds?: number;
  /** Issue time in ms since the epoch, default `Date.now()`. */
  now?: number;
}

const MAX_ID_LENGTH = 256;
const encoder = new TextEncoder();

/**
 * Mints a content token of the shape the reference server accepts: a compact JWS (HS256) whose
 * payload is `{typ: 'ContentAuthZ', ver: '1.0', device: {accountId}, contentRights: [...], exp}`.
 */
export function mintContentToken(options: MintContentTokenOptions): Promise<string> {
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000);
  return new SignJWT({
    typ: 'ContentAuthZ',
    ver: '1.0',
    device: { accountId: options.accountId },
    contentRights: [
      {
        contentId: options.contentId,
        sessionControl: {
          maxSessions: options.maxSessions ?? 2,
          sessionControlEnabled: options.sessionControlEnabled ?? true,
          ...(options.drmEnforced && { drmEnforced: true }),
        },
      },
    ],
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(options.kid && { kid: options.kid }) })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? 3600))
    .sign(encoder.encode(options.secret));
}

/**
 * Verifies a content token and returns its claims. Anything after the first `,` (the opaque part
 * a licence request appends) is ignored. Throws 401/1001 for a token that is missing or malformed,
 * 401/1002 for a bad signature, an unknown `kid`, an expired token or one not valid yet (`nbf`).
 */
export async function verifyContentToken(
  token: string | undefined,
  signing: SigningKeys,
  now: number,
): Promise<ContentClaims> {
  const jws = token?.split(',', 1)[0]?.trim();
  if (!jws) throw contentTokenMalformed('missing');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jws, (header) => keyFor(header.kid, signing), {
      algorithms: ['HS256'],
      currentDate: new Date(now),
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw verificationError(error);
  }
  return claimsOf(payload);
}

/** HMAC keys imported once per secret: importing one per verification costs more than the HMAC. */
const importedKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = importedKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    importedKeys.set(secret, key);
  }
  return key;
}

function keyFor(kid: string | undefined, { secret, keys = {} }: SigningKeys): Promise<CryptoKey> {
  const listed = kid !== undefined && Object.hasOwn(keys, kid) ? keys[kid] : undefined;
  const chosen =
    listed ?? (Object.keys(keys).length === 0 || kid === undefined ? secret : undefined);
  if (chosen === undefined) {
    throw contentTokenRejected(kid === undefined ? 'has no kid' : 'is signed with an unknown key');
  }
  return hmacKey(chosen);
}

function verificationError(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return contentTokenRejected('expired');
  // Well formed and signed, but its lifetime has not begun: a lifetime refusal, like expiry.
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return contentTokenRejected('is not valid yet');
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return contentTokenRejected('signature is not valid');
  }
  if (error instanceof errors.JOSEError) return contentTokenMalformed('is malformed');
  return error instanceof Error ? error : new Error(String(error));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function claimsOf(payload: JWTPayload): ContentClaims {
  if (payload.typ !== undefined && payload.typ !== 'ContentAuthZ') {
    throw contentTokenMalformed('is not a ContentAuthZ token');
  }
  const accountId = isRecord(payload.device) ? payload.device.accountId : undefined;
  if (!isId(accountId)) throw contentTokenMalformed('has no device.accountId');
  const right = Array.isArray(payload.contentRights) ? payload.contentRights[0] : undefined;
  const contentId = isRecord(right) ? right.contentId : undefined;
  if (!isRecord(right) || !isId(contentId)) {
    throw contentTokenMalformed('has no contentRights[0].contentId');
  }
  const control = right.sessionControl;
  if (control === undefined) {
    return {
      accountId,
      contentId,
      sessionControlEnabled: false,
      maxSessions: 0,
      drmEnforced: false,
    };
  }
  if (!isRecord(control)) throw contentTokenMalformed('has a malformed sessionControl');
  const sessionControlEnabled = control.sessionControlEnabled !== false;
  const { maxSessions } = control;
  if (sessionControlEnabled && !(Number.isSafeInteger(maxSessions) && Number(maxSessions) >= 0)) {
    throw contentTokenMalformed('has no valid sessionControl.maxSessions');
  }
  return {
    accountId,
    contentId,
    sessionControlEnabled,
    maxSessions: sessionControlEnabled ? Number(maxSessions) : 0,
    drmEnforced: control.drmEnforced === true,
  };
}
