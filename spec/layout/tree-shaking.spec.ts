import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildBundle } from '../../bench/bundle-size.mjs';
import { ROOT } from '../browser/support/docs-blocks.js';

type Mode = 'production' | 'development';

/**
 * An app bundled by `npm run size`'s own build (esbuild, minified ESM for browsers), with
 * `process.env.NODE_ENV` defined as `mode`: the files of the repository its code comes from, and
 * the code.
 */
async function bundle(contents: string, mode: Mode, external: string[] = ['rxjs', 'rxjs/*']) {
  const { inputs, text } = await buildBundle({ contents, external }, mode);
  return { files: inputs.map((input) => input.path), code: text };
}

const FETCH_APP = `import { ssmSession } from './packages/rx-ssm/src/fetch.ts';
export const start = (intents) => ssmSession(intents).session$.subscribe();`;
const from = (names: string, entry: string) =>
  `import { ${names} } from './packages/rx-ssm/src/${entry}';\nexport { ${names} };`;

describe('what each entry point leaves in an app bundle', () => {
  it('a fetch app bundles no axios; its production build drops the source diagnostics, its development build keeps them', async () => {
    const production = await bundle(FETCH_APP, 'production', []);
    expect(production.files.filter((file) => file.includes('axios'))).toEqual([]);
    expect(production.files.some((file) => file.includes('rxjs'))).toBe(true);
    // The SDK's of, merge, concat and startWith take no scheduler: rxjs's scheduling stays out.
    expect(production.files.filter((file) => /rxjs\/.*\/scheduled\//.test(file))).toEqual([]);
    expect(production.files).not.toContain('packages/rx-ssm/src/session/source-diagnostics.ts');
    expect(production.code).not.toContain('source-unknown-key');
    // A clamped server period is reported in every build (README: minHeartbeatSeconds).
    expect(production.code).toContain('heartbeat-clamped');
    // The intent checks stay, their wording goes.
    expect(production.code).toContain('is not valid');
    expect(production.code).not.toContain('a finite number');
    const development = await bundle(FETCH_APP, 'development', []);
    expect(development.files).toContain('packages/rx-ssm/src/session/source-diagnostics.ts');
    expect(development.code).toContain('source-unknown-key');
    expect(development.code).toContain('a finite number');
  });

  it('the core entry in production keeps both transports and the intent checks, not the diagnostics', async () => {
    const core = await bundle(from('ssmSession, fetchTransport', 'index.ts'), 'production', [
      'rxjs',
      'rxjs/*',
      'axios',
    ]);
    expect(core.files).toContain('packages/rx-ssm/src/transports/axios.ts');
    expect(core.files).toContain('packages/rx-ssm/src/transports/fetch.ts');
    expect(core.files).toContain('packages/rx-ssm/src/session/checked-intents.ts');
    expect(core.files).not.toContain('packages/rx-ssm/src/session/source-diagnostics.ts');
  });

  it.each(['react/index.ts', 'react-native/index.ts'])('%s bundles no axios', async (entry) => {
    const everything = `export * from './packages/rx-ssm/src/${entry}';`;
    const { files } = await bundle(everything, 'production', ['rxjs', 'rxjs/*', 'react']);
    expect(files.length).toBeGreaterThan(1);
    expect(files.filter((file) => file.includes('axios'))).toEqual([]);
  });

  it.each([
    ['shaka', 'attachSsm, shakaIntents', ['dashjs', 'hlsjs']],
    ['dashjs', 'attachDashjs, dashjsIntents', ['shaka', 'hlsjs']],
    ['hlsjs', 'attachHlsjs, hlsjsIntents', ['shaka', 'dashjs']],
  ])('a %s app bundles no other player adapter', async (player, names, others) => {
    const { files } = await bundle(from(names, 'players/index.ts'), 'production');
    expect(files.some((file) => file.includes(`/players/${player}/`))).toBe(true);
    for (const other of others) {
      expect(files.filter((file) => file.includes(`/players/${other}/`))).toEqual([]);
    }
  });
});

describe('the development check where nothing defines process.env.NODE_ENV', () => {
  it('a page without `process` and without a bundler that replaced the read: no throw, no diagnostics', async () => {
    // Not minified, nothing defined: `process.env.NODE_ENV` stays in the code as written.
    const result = await build({
      stdin: {
        contents: `import { of } from 'rxjs';
import { ssmSession } from './packages/rx-ssm/src/fetch.ts';
const seen = [];
const session = ssmSession({ source$: of({ src: 'a.mpd', ssmServerURL: 'https://ssm.test' }) });
session.diagnostics$.subscribe((d) => seen.push(d.kind));
session.session$.subscribe((s) => seen.push(s.status));
result.seen = seen;`,
        resolveDir: ROOT,
        loader: 'ts',
        sourcefile: 'page.ts',
      },
      bundle: true,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      write: false,
      logLevel: 'error',
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('process.env.NODE_ENV');
    const page: { result: { seen?: string[] }; process?: unknown } = { result: {} };
    runInNewContext(code, page);
    expect(page.process).toBeUndefined();
    expect(page.result.seen).toEqual(['idle']);
  });
});
