import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { defaultClientConditions, build as viteBuild } from 'vite';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../browser/support/docs-blocks.js';

const guide = readFileSync(join(ROOT, 'docs/package.md'), 'utf8');
const FETCH_APP = join(ROOT, 'packages/rx-ssm/src/fetch.ts');

/** Which of rxjs's builds (`esm5`, `esm`) the files of a bundle come from. */
const rxjsBuilds = (files: string[]) => [
  ...new Set(files.flatMap((file) => /rxjs\/dist\/(\w+)\//.exec(file)?.[1] ?? [])),
];

describe("docs/package.md: rxjs's ES2015 build", () => {
  it('esbuild with the command the guide shows takes rxjs from its ES2015 build, and without it from ES5', async () => {
    expect(guide).toContain('esbuild app.ts --bundle --minify --conditions=es2015,module');
    const files = async (conditions?: string[]) => {
      const { metafile } = await esbuild({
        entryPoints: [FETCH_APP],
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        metafile: true,
        logLevel: 'error',
        ...(conditions && { conditions }),
      });
      return Object.keys(metafile.inputs);
    };
    expect(rxjsBuilds(await files(['es2015', 'module']))).toEqual(['esm']);
    expect(rxjsBuilds(await files())).toEqual(['esm5']);
  });

  it("Vite with the guide's resolve.conditions takes rxjs from its ES2015 build, and without them from ES5", async () => {
    expect(guide).toContain("resolve: { conditions: ['es2015', ...defaultClientConditions] }");
    const modules = async (conditions?: string[]) => {
      const output = await viteBuild({
        configFile: false,
        logLevel: 'silent',
        root: ROOT,
        ...(conditions && { resolve: { conditions } }),
        build: { write: false, minify: false, lib: { entry: FETCH_APP, formats: ['es'] } },
      });
      const [result] = Array.isArray(output) ? output : [output];
      if (!('output' in result)) throw new Error('vite build did not return its output');
      return result.output.flatMap((chunk) =>
        'modules' in chunk ? Object.keys(chunk.modules) : [],
      );
    };
    expect(rxjsBuilds(await modules(['es2015', ...defaultClientConditions]))).toEqual(['esm']);
    expect(rxjsBuilds(await modules())).toEqual(['esm5']);
  });
});
