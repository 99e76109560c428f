import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';
import { contentTokenMalformed, contentTokenRejected } from '../http/ssm-http-error.js';
import type { OnLimit, SessionLimits } from '../stores/store.js';
import { PUBLIC_KEY_ALGORITHMS } from './public-key-set.js';
import { type ClaimChecks, publicKeyVerifiedPayload } from './public-key-verify.js';
import type { PublicKeys } from './public-keys.js';

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
  /** The other limits of the concurrency policy and what happens at one (session control on). */
  limits: SessionLimits;
  /** The channel group the content belongs to, for `limits.maxSessionsPerGroup`. */
  contentGroup?: string;
}

/**
 * The keys a server verifies content tokens with, and what it checks besides the signature: HS256
 * tokens with `secret`/`keys`, RS256, PS256, ES256 and EdDSA tokens with `publicKeys`.
 */
export interface SigningKeys extends ClaimChecks {
  /** Verifies tokens whose header has no `kid` (or any `kid` when `keys` is empty). */
  secret?: string;
  /** `kid` → secret; a token whose `kid` is listed is verified with that secret only. */
  keys?: Record<string, string>;
  /** The public keys of asymmetric tokens (a JWKS from code, a file or a URL). */
  publicKeys?: PublicKeys;
}

/** Options of {@link mintContentToken}. */
export interface MintContentTokenOptions {
  /** HS256 secret, the same the server verifies with; or give `privateKey`. */
  secret?: string;
  /**
   * A private JWK (RS256, PS256, ES256 or EdDSA, named by its `alg`) to sign with instead of a
   * secret; the server verifies with its public key. Its `kid` is written unless `kid` is given.
   */
  privateKey?: JWK;
  /** Written to the JWS header so a server with several keys picks the right one. */
  kid?: string;
  /** The `iss` claim: who issued the token. */
  issuer?: string;
  /** The `aud` claim: which server it is for. */
  audience?: string;
  accountId: string;
  contentId: string;
  /** Default 2. */
  maxSessions?: number;
  /** Default true; false mints a token whose sessions count against no limit. */
  sessionControlEnabled?: boolean;
  /** True mints a token whose sessions are renewed by licence requests instead of heartbeats. */
  drmEnforced?: boolean;
  /** Distinct devices holding the account's sessions; default no limit. */
  maxDevices?: number;
  /** The account's sessions of this content; default no limit. */
  maxSessionsPerContent?: number;
  /** The content's channel group, for `maxSessionsPerGroup`. */
  contentGroup?: string;
  /** The account's sessions of `contentGroup`; default no limit. */
  maxSessionsPerGroup?: number;
  /** What happens at a limit; default `deny` (left out of the token). */
  onLimit?: OnLimit;
  /** Lifetime of the token, default 3600 seconds. */
  ttlSeconds?: number;
  /** Issue time in ms since the epoch, default `Date.now()`. */
  now?: number;
}

const MAX_ID_LENGTH = 256;
const encoder = new TextEncoder();

/**
 * Mints a content token of the shape the reference server accepts: a compact JWS (HS256, or the
 * `alg` of `privateKey`) whose
 * payload is `{typ: 'ContentAuthZ', ver: '1.0', device: {accountId}, contentRights: [...], exp}`.
 */
export async function mintContentToken(options: MintContentTokenOptions): Promise<string> {
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000);
  const { privateKey } = options;
  if ((privateKey === undefined) === (options.secret === undefined)) {
    throw new TypeError('mintContentToken needs a secret or a privateKey (one of them)');
  }
  const alg = privateKey ? privateKey.alg : 'HS256';
  if (privateKey && !PUBLIC_KEY_ALGORITHMS.some((known) => known === alg)) {
    throw new TypeError('privateKey must name its alg: RS256, PS256, ES256 or EdDSA');
  }
  const kid = options.kid ?? privateKey?.kid;
  const key = privateKey ? await importJWK(privateKey, alg) : encoder.encode(options.secret);
  const jwt = new SignJWT({
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
          ...(options.maxDevices !== undefined && { maxDevices: options.maxDevices }),
          ...(options.maxSessionsPerContent !== undefined && {
            maxSessionsPerContent: options.maxSessionsPerContent,
          }),
          ...(options.contentGroup !== undefined && { contentGroup: options.contentGroup }),
          ...(options.maxSessionsPerGroup !== undefined && {
            maxSessionsPerGroup: options.maxSessionsPerGroup,
          }),
          ...(options.onLimit !== undefined && { onLimit: options.onLimit }),
        },
      },
    ],
  })
    .setProtectedHeader({ alg: alg ?? 'HS256', typ: 'JWT', ...(kid && { kid }) })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.ttlSeconds ?? 3600));
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(key);
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
  return contentTokenVerifier(signing)(token, now);
}

/**
 * Verifies content tokens: what {@link verifyContentToken} does, synchronously for HS256 (no
 * promise) and through jose's promise for the public-key algorithms.
 */
export type ContentTokenVerifier = (
  token: string | undefined,
  now: number,
) => ContentClaims | Promise<ContentClaims>;

const verifiers = new WeakMap<SigningKeys, ContentTokenVerifier>();

/**
 * The verifier of content tokens signed with `signing`: HS256 checked with node:crypto (an HMAC
 * and a constant-time compare, a few µs where WebCrypto's asynchronous job costs several times
 * that), with jose's checks in jose's order, so every token gets the answer `jwtVerify` with
 * `algorithms: ['HS256']` and `requiredClaims: ['exp']` gave it. Keys are prepared once.
 */
export function contentTokenVerifier(signing: SigningKeys): ContentTokenVerifier {
  let verifier = verifiers.get(signing);
  if (!verifier) {
    verifier = verifierOf(signing);
    verifiers.set(signing, verifier);
  }
  return verifier;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const NON_ASCII = /[\u0080-\uffff]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One segment's bytes, decoded as jose decodes it (`atob`'s forgiving base64, with `-_` for
 * `+/`): undefined where jose fails. The usual unpadded base64url takes the fast path.
 */
function segmentBytes(segment: string): Buffer | undefined {
  if (segment.length % 4 !== 1 && BASE64URL.test(segment)) {
    return Buffer.from(segment, 'base64url');
  }
  if (segment.includes('+') || segment.includes('/')) return undefined;
  try {
    return Buffer.from(atob(segment.replace(/-/g, '+').replace(/_/g, '/')), 'latin1');
  } catch {
    return undefined;
  }
}

/** A JSON object from strict UTF-8 bytes, or undefined. */
function jsonObjectOf(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(bytes));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What a `crit` header asks for: `b64` only is understood; undefined when it is refused. */
function criticalB64(header: Record<string, unknown>): boolean | undefined {
  const { crit } = header;
  if (crit === undefined) return true;
  if (
    !Array.isArray(crit) ||
    crit.length === 0 ||
    crit.some((name) => typeof name !== 'string' || name.length === 0)
  ) {
    return undefined;
  }
  for (const name of crit) {
    if (name !== 'b64' || !Object.hasOwn(header, 'b64')) return undefined;
  }
  return typeof header.b64 === 'boolean' ? header.b64 : undefined;
}

/** A JWS header that passed the checks before its `alg` is looked at. */
interface CheckedHeader {
  header: Record<string, unknown>;
  alg: string;
  b64: boolean;
}

/** How many distinct header segments are kept decoded; past that the cache starts afresh. */
const HEADER_CACHE_SIZE = 64;
/** Longer header segments are decoded each time, so the cache stays small whatever is sent. */
const CACHED_HEADER_LENGTH = 256;

/**
 * The decoded header of a header segment, or 401/1001 for one that is malformed. A server sees
 * few distinct headers (one per algorithm and `kid`), so each is decoded and checked once and
 * kept, by its exact text; the header is only read, never changed.
 */
function headerReader(): (segment: string) => CheckedHeader {
  let cache = new Map<string, CheckedHeader>();
  return (segment) => {
    const kept = cache.get(segment);
    if (kept) return kept;
    const bytes = segmentBytes(segment);
    const header = bytes && jsonObjectOf(bytes);
    if (!header) throw malformed();
    const b64 = criticalB64(header);
    if (b64 === undefined) throw malformed();
    const { alg } = header;
    if (typeof alg !== 'string' || alg === '') throw malformed();
    const checked = { header, alg, b64 };
    if (segment.length <= CACHED_HEADER_LENGTH) {
      if (cache.size >= HEADER_CACHE_SIZE) cache = new Map();
      cache.set(segment, checked);
    }
    return checked;
  };
}

function verifierOf({
  secret,
  keys = {},
  publicKeys,
  ...checks
}: SigningKeys): ContentTokenVerifier {
  const hmacKey = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    // WebCrypto refuses an empty HMAC key; a token "signed" with one proves nothing.
    return bytes.length === 0 ? undefined : createSecretKey(bytes);
  };
  const listed = new Map(Object.entries(keys).map(([kid, value]) => [kid, hmacKey(value)]));
  const unlisted = secret === undefined ? null : hmacKey(secret);
  const headerOf = headerReader();

  /** The key a token's `kid` picks (a `kid` is read as an object key, as it always was). */
  function keyFor(kid: unknown): KeyObject {
    const chosen =
      kid !== undefined && listed.has(String(kid))
        ? listed.get(String(kid))
        : listed.size === 0 || kid === undefined
          ? unlisted
          : null;
    if (chosen === null) {
      // A server of public keys alone (a JWKS) has no key for HS256 at all: said as that, not
      // as a kid missing or unknown, which would send its issuer looking for the wrong fault.
      throw contentTokenRejected(
        listed.size === 0
          ? 'is signed with HS256, which this server has no secret for'
          : kid === undefined
            ? 'has no kid'
            : 'is signed with an unknown key',
      );
    }
    if (chosen === undefined) throw contentTokenRejected('signature is not valid');
    return chosen;
  }

  return (token, now) => {
    const comma = token?.indexOf(',') ?? -1;
    const jws = (comma < 0 ? token : token?.slice(0, comma))?.trim();
    if (!jws) throw contentTokenMalformed('missing');
    // The checks and their order are jose's: the first one failed decides the answer.
    const first = jws.indexOf('.');
    const second = first < 0 ? -1 : jws.indexOf('.', first + 1);
    if (second < 0 || jws.indexOf('.', second + 1) >= 0) throw malformed();
    const payload = jws.slice(first + 1, second);
    const { header, alg, b64 } = headerOf(jws.slice(0, first));
    if (alg !== 'HS256') {
      // A public key verifies only its own algorithms, through jose; nothing else but HS256 is taken.
      if (publicKeys && PUBLIC_KEY_ALGORITHMS.some((known) => known === alg)) {
        return publicKeyVerifiedPayload(jws, publicKeys, checks, now).then(claimsOf);
      }
      throw badSignature();
    }
    const asciiPayload = !NON_ASCII.test(payload);
    if (!b64 && !asciiPayload) throw malformed();
    const key = keyFor(header.kid);
    if (!asciiPayload) throw malformed();
    const signature = segmentBytes(jws.slice(second + 1));
    if (!signature) throw malformed();
    const expected = createHmac('sha256', key).update(jws.slice(0, second), 'latin1').digest();
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw badSignature();
    }
    // Unencoded payloads (`b64: false`) are not JWTs: refused once the signature holds, as jose does.
    const payloadBytes = b64 ? segmentBytes(payload) : undefined;
    const claims = payloadBytes && jsonObjectOf(payloadBytes);
    if (!claims) throw malformed();
    return claimsOf(checkedClaims(claims, Math.floor(now / 1000), checks));
  };
}

const malformed = () => contentTokenMalformed('is malformed');
const badSignature = () => contentTokenRejected('signature is not valid');

const otherIssuer = () => contentTokenRejected('is from another issuer');
const otherAudience = () => contentTokenRejected('is for another audience');
const listOf = (value: string | readonly string[]): readonly unknown[] =>
  typeof value === 'string' ? [value] : value;

/** True when `aud` (a string or a list) names one of `expected`, as jose reads it. */
function namesAudience(aud: unknown, expected: readonly unknown[]): boolean {
  if (typeof aud === 'string') return expected.includes(aud);
  return Array.isArray(aud) && aud.some((name) => expected.includes(name));
}

/**
 * The claims if `iss` and `aud` are the expected ones (when given), `exp` (required), `iat` and
 * `nbf` are numbers and the token is valid at `now` give or take the clock skew; in jose's order.
 */
function checkedClaims(
  claims: Record<string, unknown>,
  nowSeconds: number,
  { issuer, audience, clockSkewSeconds: skew = 0 }: ClaimChecks,
) {
  if (issuer !== undefined && !Object.hasOwn(claims, 'iss')) throw otherIssuer();
  if (audience !== undefined && !Object.hasOwn(claims, 'aud')) throw otherAudience();
  if (!Object.hasOwn(claims, 'exp')) throw malformed();
  if (issuer !== undefined && !listOf(issuer).includes(claims.iss)) throw otherIssuer();
  if (audience !== undefined && !namesAudience(claims.aud, listOf(audience))) {
    throw otherAudience();
  }
  const { iat, nbf, exp } = claims;
  if (iat !== undefined && typeof iat !== 'number') throw malformed();
  // A malformed nbf has always been refused like a future one.
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + skew)) {
    throw contentTokenRejected('is not valid yet');
  }
  if (typeof exp !== 'number') throw malformed();
  if (exp <= nowSeconds - skew) throw contentTokenRejected('expired');
  return claims;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** The claims the server needs, from a verified payload; 401/1001 when they are not there. */
export function claimsOf(payload: Record<string, unknown>): ContentClaims {
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
      limits: {},
    };
  }
  if (!isRecord(control)) throw contentTokenMalformed('has a malformed sessionControl');
  const sessionControlEnabled = control.sessionControlEnabled !== false;
  const { maxSessions } = control;
  if (sessionControlEnabled && !(Number.isSafeInteger(maxSessions) && Number(maxSessions) >= 0)) {
    throw contentTokenMalformed('has no valid sessionControl.maxSessions');
  }
  const { limits, contentGroup } = policyOf(control);
  return {
    accountId,
    contentId,
    sessionControlEnabled,
    maxSessions: sessionControlEnabled ? Number(maxSessions) : 0,
    drmEnforced: control.drmEnforced === true,
    limits: sessionControlEnabled ? limits : {},
    ...(contentGroup !== undefined && { contentGroup }),
  };
}

const LIMIT_FIELDS = ['maxDevices', 'maxSessionsPerContent', 'maxSessionsPerGroup'] as const;
const ON_LIMIT: readonly unknown[] = ['deny', 'evict-oldest'] satisfies OnLimit[];

/**
 * The concurrency policy of a `sessionControl`: each limit, when present, a whole number ≥ 0;
 * `maxSessionsPerGroup` only with a `contentGroup`; `onLimit` one of `deny`, `evict-oldest`.
 * Anything else is 401/1001, as a bad `maxSessions` is.
 */
function policyOf(control: Record<string, unknown>): {
  limits: SessionLimits;
  contentGroup?: string;
} {
  const limits: SessionLimits = {};
  for (const field of LIMIT_FIELDS) {
    const value = control[field];
    if (value === undefined) continue;
    if (!(Number.isSafeInteger(value) && Number(value) >= 0)) {
      throw contentTokenMalformed(`has no valid sessionControl.${field}`);
    }
    limits[field] = Number(value);
  }
  const { contentGroup, onLimit } = control;
  if (contentGroup !== undefined && !isId(contentGroup)) {
    throw contentTokenMalformed('has no valid sessionControl.contentGroup');
  }
  if (limits.maxSessionsPerGroup !== undefined && contentGroup === undefined) {
    throw contentTokenMalformed('has sessionControl.maxSessionsPerGroup without a contentGroup');
  }
  if (onLimit !== undefined && !ON_LIMIT.includes(onLimit)) {
    throw contentTokenMalformed('has no valid sessionControl.onLimit ("deny" or "evict-oldest")');
  }
  if (onLimit !== undefined) limits.onLimit = onLimit as OnLimit;
  return contentGroup === undefined ? { limits } : { limits, contentGroup };
}
