import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, typeErrors, unresolvedImports } from '../browser/support/docs-blocks.js';

/** One ```ts block of a Markdown file and what its text says about the app it belongs to. */
interface Block {
  code: string;
  /** The packages of the last `npm install …` before it in its `## ` section. */
  installs: string[] | undefined;
  /** Its section runs it with `node`, or it is the server's: Node's types are there. */
  node: boolean;
}

/** Every ```ts block of a Markdown file, in order, with what its section installs. */
function tsBlocks(path: string): Block[] {
  const markdown = readFileSync(join(ROOT, path), 'utf8');
  return markdown
    .split(/^## /m)
    .slice(1)
    .flatMap((section) => {
      const runsInNode = /^node \S+\.m?[jt]s\b/m.test(section);
      return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => {
        const before = section.slice(0, match.index);
        const install = [...before.matchAll(/npm install ([^\n`#]+)/g)].at(-1)?.[1];
        const installs = install?.trim().split(/\s+/);
        return {
          code: match[1] ?? '',
          installs,
          // A block run with `node`, or one of the server's (which runs in Node only).
          node: runsInNode || (installs?.includes('rx-ssm-server') ?? false),
        };
      });
    });
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

  it.each(blocks.map((block, index) => [index + 1, block] as const))(
    'block %i type-checks as an app with a bundler compiles it',
    (index, { code, node }) => {
      // A block without imports is a declaration listing (an interface shown for reading).
      const module = /^import /m.test(code) ? code : `export {};\n${code}`;
      expect(typeErrors({ 'app-declarations': APP, [`block-${index}`]: module }, { node })).toEqual(
        [],
      );
    },
  );

  it.each(blocks.map((block, index) => [index + 1, block] as const))(
    'block %i bundles in an app that has only the packages its text says to install',
    async (_index, { code, installs, node }) => {
      if (!/^import /m.test(code)) return; // a declaration listing imports nothing
      expect(installs, 'the text before the block says what to npm install').toBeDefined();
      expect(await unresolvedImports(code, installs ?? [], { node })).toEqual([]);
    },
  );
});

describe('the check itself', () => {
  it('fails a block that imports what its app did not install: rx-ssm needs axios, rx-ssm/fetch does not', async () => {
    const main = "import { ssmSession } from 'rx-ssm';\nssmSession({ source$: null! });\n";
    expect(await unresolvedImports(main, ['rx-ssm', 'rxjs'], { node: false })).toEqual([
      'axios (imported by packages/rx-ssm/src/transports/axios.ts; the app installs rx-ssm, rxjs)',
    ]);
    expect(await unresolvedImports(main, ['rx-ssm', 'rxjs', 'axios'], { node: false })).toEqual([]);
    const fetchOnly = main.replace("'rx-ssm'", "'rx-ssm/fetch'");
    expect(await unresolvedImports(fetchOnly, ['rx-ssm', 'rxjs'], { node: false })).toEqual([]);
    const withoutRxjs = await unresolvedImports(fetchOnly, ['rx-ssm'], { node: false });
    expect(withoutRxjs).toHaveLength(1);
    expect(withoutRxjs[0]).toMatch(
      /^rxjs \(imported by packages\/rx-ssm\/src\/\S+; the app installs rx-ssm\)$/,
    );
  });
});
