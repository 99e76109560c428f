import { build } from 'esbuild';

/** The page's script and its source map. */
export interface PageBundle {
  script: string;
  sourceMap: string;
}

/**
 * Bundles the demo page's script (`docs/demo/app.ts`, which imports the SDK by its package names, resolved to its source through the root tsconfig paths, and Shaka
 * Player from `node_modules`) into one browser ES module, in memory. The script points at its
 * source map as `app.js.map`, next to it.
 */
export async function bundlePage(entry: string): Promise<PageBundle> {
  const result = await build({
    entryPoints: [entry],
    outfile: 'app.js',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  const script = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const sourceMap = result.outputFiles.find((file) => file.path.endsWith('.js.map'));
  if (!script || !sourceMap) throw new Error(`esbuild produced no bundle for ${entry}`);
  return { script: script.text, sourceMap: sourceMap.text };
}
