import { hash, randomFillSync } from 'node:crypto';

/** Bytes of one session token: 256 bits. */
const TOKEN_BYTES = 32;

/**
 * Random bytes drawn from the CSPRNG in blocks and handed out `bytes` at a time, base64url, each
 * byte once: one `randomFillSync` per block instead of one per value, whose fixed cost was most
 * of a heartbeat's own (and, as `randomBytes`, a fifth of a setup's).
 */
function pooledRandom(
  bytes: number,
  blockBytes: number,
  fill: (block: Buffer) => void = (block) => randomFillSync(block),
): () => string {
  if (blockBytes < bytes || blockBytes % bytes !== 0) {
    throw new RangeError(`blockBytes must be a multiple of ${bytes}`);
  }
  const block = Buffer.allocUnsafeSlow(blockBytes);
  let next = blockBytes;
  return () => {
    if (next === blockBytes) {
      fill(block);
      next = 0;
    }
    const start = next;
    next += bytes;
    return block.toString('base64url', start, next);
  };
}

/** The 32 random bytes of session tokens, from blocks of `blockBytes` (see {@link pooledRandom}). */
export function sessionTokenSource(
  blockBytes = 4096,
  fill?: (block: Buffer) => void,
): () => string {
  return pooledRandom(TOKEN_BYTES, blockBytes, fill);
}

const randomPart = sessionTokenSource();
/** 16 random bytes at a time (22 characters): a session id, or the fresh part of a renewal. */
const shortRandomPart = pooledRandom(16, 4096);

/**
 * A fresh session token: its route (two hex digits, see {@link routeOfAccount}) and 32 random
 * bytes, base64url: 45 characters. Unguessable, and never reused.
 */
export function newSessionToken(route: string): string {
  return route + randomPart();
}

/**
 * Characters every token of one session shares: its route and 22 random characters (132 bits).
 * A store may key the session by them (the Redis store does), so a renewal changes the session
 * where it is instead of moving it.
 */
export const SESSION_KEY_LENGTH = 24;

/**
 * The token that replaces `token` at a renewal: the same first {@link SESSION_KEY_LENGTH}
 * characters, then 21 fresh random ones (126 bits), so it is as long as the first and as
 * unguessable: knowing an earlier token of the session tells nothing of the next one.
 */
export function renewedSessionToken(token: string): string {
  return token.slice(0, SESSION_KEY_LENGTH) + shortRandomPart().slice(0, FRESH_LENGTH);
}

/**
 * The route of an account's sessions: the first two hex digits of the SHA-1 of the account id,
 * so one of 256. A session token starts with it, so a store can find where an account's keys
 * live (one Redis Cluster hash slot per route) from the token alone, and the token says nothing
 * about the account. SHA-1 because Redis's Lua has it (`redis.sha1hex`): a script finds an
 * account's keys from the account id the same way; it is a spreading hash here, not a secret.
 */
export function routeOfAccount(accountId: string): string {
  return hash('sha1', accountId, 'hex').slice(0, ROUTE_LENGTH);
}

/**
 * A fresh public session id: `s.` and 16 random bytes, base64url. It names a session in the
 * account's listing and in a stop, and is drawn apart from the session token; its `.` is never
 * in a session token, so it is refused as one before any lookup.
 */
export function newSessionId(): string {
  return `s.${shortRandomPart()}`;
}

/** The route a session token carries; its renewals keep it. */
export function routeOfToken(token: string): string {
  return token.slice(0, ROUTE_LENGTH);
}

/** Hex digits of a route. */
const ROUTE_LENGTH = 2;

/** Characters of a session token: its route, then `TOKEN_BYTES` in base64url (no padding). */
const SESSION_TOKEN_LENGTH = ROUTE_LENGTH + Math.ceil((TOKEN_BYTES * 4) / 3);

/** Characters a renewal draws afresh (21, of the 22 that 16 random bytes give). */
const FRESH_LENGTH = SESSION_TOKEN_LENGTH - SESSION_KEY_LENGTH;

/** Every route, for a store that visits each (the sweep). */
export const SESSION_ROUTES: readonly string[] = Array.from({ length: 256 }, (_, n) =>
  n.toString(16).padStart(ROUTE_LENGTH, '0'),
);

/**
 * A short, one-way name for a token, so log lines about one session can be told apart and
 * correlated without the token itself ever being written.
 */
export function tokenFingerprint(token: string): string {
  return hash('sha256', token, 'base64url').slice(0, 12);
}
