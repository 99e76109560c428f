import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, typeErrors } from '../browser/support/docs-blocks.js';

/** Every ```ts block of a Markdown file, in order. */
function tsBlocks(path: string): string[] {
  const markdown = readFileSync(join(ROOT, path), 'utf8');
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/**
 * What the README's snippets leave to the app, declared once: the app's own streams and
 * functions. Everything else a block uses it must import, as the app would.
 */
const APP = `
declare const source$: import('rxjs').Observable<import('rx-ssm').SsmSource | null>;
declare const play$: import('rxjs').Observable<unknown>;
declare const stop$: import('rxjs').Observable<unknown>;
declare const appState$: import('rxjs').Observable<import('rx-ssm').AppState>;
declare function render(state: import('rx-ssm').SsmState): void;
declare function report(code: number, message: string): void;
declare function setLicenceAuthorization(value: string | null): void;
declare const src: string;
declare const answer: { sessionToken?: string; sessionDrmEnforced?: boolean | null };
declare function requestLicence(headers: Record<string, string>): void;
declare const challenge: Uint8Array;
declare const contentTokenFor: (uri: string) => Promise<string>;
`;

describe.each([
  'README.md',
  'packages/server/README.md',
  'docs/renewal-modes.md',
  'docs/concurrency-policy.md',
])('%s', (path) => {
  const blocks = tsBlocks(path);

  it('has TypeScript blocks', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((code, index) => [index + 1, code] as const))(
    'block %i type-checks as an app with a bundler compiles it',
    (index, code) => {
      // A block without imports is a declaration listing (an interface shown for reading).
      const module = /^import /m.test(code) ? code : `export {};\n${code}`;
      expect(typeErrors({ 'app-declarations': APP, [`block-${index}`]: module })).toEqual([]);
    },
  );
});
