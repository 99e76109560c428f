/** Bytes `text` takes as UTF-8: what a transport that only got the decoded text counts. */
export function utf8Length(text: string): number {
  // Without TextEncoder (old React Native), UTF-16 units: never more than the UTF-8 bytes.
  return typeof TextEncoder === 'undefined' ? text.length : new TextEncoder().encode(text).length;
}
