/** Why a transport gave up on a call: what {@link TransportError.reason} says. */
export type TransportFailure = 'deadline' | 'too-large' | 'unsendable-header';

/**
 * A call that a transport ended itself, with no response handed to the SDK: the overall
 * deadline passed, the answer was larger than allowed, or a header could not be sent. The
 * message never holds a header value, so it is safe to log.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  declare readonly reason: TransportFailure;

  constructor(reason: TransportFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The whole call (connect, headers, body) did not end within `timeoutMs`. */
export function deadlineExceeded(timeoutMs: number): TransportError {
  return new TransportError('deadline', `no complete response within ${timeoutMs} ms`);
}

/** The answer's body is (or announces itself as) larger than `maxBytes`. */
export function answerTooLarge(maxBytes: number): TransportError {
  return new TransportError('too-large', `answer larger than ${maxBytes} bytes`);
}
