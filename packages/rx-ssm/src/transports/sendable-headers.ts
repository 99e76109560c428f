import { TransportError } from './transport-error.js';

/** An HTTP token (RFC 9110): what a header name may be made of. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Tab, visible ASCII, space and latin1: no CR, LF, NUL or anything past U+00FF. */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The error for the first header that cannot go on the wire, or `undefined` when all can.
 * Checked before anything is sent, so that axios, `fetch` and XHR fail alike (they would
 * otherwise throw at different moments, some with the value in the message) and no request
 * leaves with a header split in two. The message names the header, never its value.
 */
export function unsendableHeader(headers: Record<string, unknown>): TransportError | undefined {
  for (const [name, value] of Object.entries(headers)) {
    const why = !HEADER_NAME.test(name)
      ? 'is not a valid header name'
      : typeof value !== 'string' || !HEADER_VALUE.test(value)
        ? 'has a character a header cannot carry (a line break, a control character, one past U+00FF)'
        : undefined;
    if (why) {
      return new TransportError(
        'unsendable-header',
        `header ${JSON.stringify(name)} ${why}; nothing was sent`,
      );
    }
  }
  return undefined;
}
