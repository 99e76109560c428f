import { describe, expect, it } from 'vitest';
import { textCost } from '../../bench/bundle-size.mjs';

/**
 * `textCost` backs the size report's "what the core's text weighs": its wording figure must count
 * the messages and nothing the code works with (paths, header names), substitutions included.
 */
describe('what the text of a bundle costs it', () => {
  it('counts the characters of messages as wording, and paths and header names as text only', async () => {
    const message = 'the source has no content token';
    const contents = [
      `export const fail = (src) => { throw new Error(\`no answer for \${src} within the period\`); };`,
      `export const refuse = () => { throw new Error('${message}'); };`,
      `export const call = { path: 'sessions/setup', header: 'nv-authorizations', type: 'application/json; charset=utf-8' };`,
    ].join('\n');
    const cost = await textCost({ contents, external: [] });

    const wording = 'no answer for '.length + ' within the period'.length + message.length;
    expect(cost.wordingCharacters).toBe(wording);
    const text = wording + 'sessions/setup'.length + 'nv-authorizations'.length;
    expect(cost.characters).toBe(text + 'application/json; charset=utf-8'.length);
    // Taking the wording out saves bytes; taking every literal out saves more.
    expect(cost.withoutWording).toBeLessThan(cost.gzip);
    expect(cost.codeOnly).toBeLessThan(cost.withoutWording);
  });
});
