import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

/** The server package's dependencies stay imports: npm installs them with it. */
const dependencies = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies);

export default defineConfig({
  // The reference server package (`rx-ssm-server`) and its command line.
  entry: { index: 'src/index.ts', cli: 'src/cli/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  external: dependencies,
  // The one SDK export the server uses (the wire format's default token header) is bundled from
  // the SDK's source through this package's tsconfig paths, so the server installs on its own.
  noExternal: ['rx-ssm'],
  tsconfig: 'tsconfig.json',
  // `import.meta.url` (the CLI finds its package.json by it) in the CommonJS build too.
  shims: true,
  splitting: true,
});
