import { createHash, randomBytes } from 'node:crypto';

/** A fresh session token: 32 random bytes, base64url. Unguessable, and never reused. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A short, one-way name for a token, so log lines about one session can be told apart and
 * correlated without the token itself ever being written.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 12);
}
