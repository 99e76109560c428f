import type { IncomingMessage } from 'node:http';
import { badRequest, SsmHttpError, SsmServerErrorCode } from './ssm-http-error.js';

/** The largest request body the server reads: 16 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;

// The rest of an oversized body is never read: the 413 closes the connection instead, so a client
// cannot keep the server busy discarding what it sends.
const tooLarge = () =>
  new SsmHttpError(
    413,
    SsmServerErrorCode.BadRequest,
    `request body is larger than ${BODY_LIMIT_BYTES} bytes`,
    { Connection: 'close' },
  );

/**
 * Reads the request body as JSON; an empty body reads as `{}`. Throws 413/1004 past
 * {@link BODY_LIMIT_BYTES} (checked on `Content-Length` before reading, and while reading), with
 * `Connection: close` and the rest left unread, and 400/1004 for a body that is not JSON.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd).pause();
      reject(tooLarge());
    };
    const onEnd = () => {
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const text = bytes.toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(badRequest('request body is not JSON'));
      }
    };
    // The stream errs only when the client hangs up before the end of its body: a request that
    // never arrived whole is a bad request, not a failure of the server.
    const onError = () => reject(badRequest('request body ended before it was complete'));
    // `on`, not `once`: each fires at most once that matters (a settled promise ignores the rest),
    // and no wrapper is made per request.
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
