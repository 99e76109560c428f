import { createHash, randomFillSync } from 'node:crypto';

/** Bytes of one session token: 256 bits. */
const TOKEN_BYTES = 32;

/**
 * Random bytes drawn from the CSPRNG in blocks and handed out `TOKEN_BYTES` at a time, each
 * byte once: one `randomFillSync` per 128 tokens instead of one per token, whose fixed cost
 * was most of a heartbeat's own.
 */
export function sessionTokenSource(
  blockBytes = 4096,
  fill: (block: Buffer) => void = (block) => randomFillSync(block),
): () => string {
  if (blockBytes < TOKEN_BYTES || blockBytes % TOKEN_BYTES !== 0) {
    throw new RangeError(`blockBytes must be a multiple of ${TOKEN_BYTES}`);
  }
  const block = Buffer.allocUnsafeSlow(blockBytes);
  let next = blockBytes;
  return () => {
    if (next === blockBytes) {
      fill(block);
      next = 0;
    }
    const start = next;
    next += TOKEN_BYTES;
    return block.toString('base64url', start, next);
  };
}

/** A fresh session token: 32 random bytes, base64url. Unguessable, and never reused. */
export const newSessionToken: () => string = sessionTokenSource();

/**
 * A short, one-way name for a token, so log lines about one session can be told apart and
 * correlated without the token itself ever being written.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 12);
}
