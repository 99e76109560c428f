import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

/** The server package's dependencies stay imports: npm installs them with it. */
const serverDependencies = Object.keys(
  JSON.parse(readFileSync('packages/server/package.json', 'utf8')).dependencies,
);

export default defineConfig([
  {
    // The SDK package (`rx-ssm`): what apps install.
    entry: {
      index: 'src/index.ts',
      fetch: 'src/fetch.ts',
      testing: 'src/testing/index.ts',
      players: 'src/players/index.ts',
      react: 'src/react/index.ts',
      'react-native': 'src/react-native/index.ts',
      server: 'src/server-package.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    // `rx-ssm/server` is the server package, installed only by apps that run it.
    external: ['rx-ssm-server', 'react'],
    // Entries share chunks, so `rx-ssm/players` and `rx-ssm` use one SsmError class.
    splitting: true,
  },
  {
    // The reference server package (`rx-ssm-server`), built from `src/server`.
    entry: { index: 'src/server/index.ts', cli: 'src/server/cli.ts' },
    outDir: 'packages/server/dist',
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'src/server/index.ts' } },
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    external: serverDependencies,
    // `import.meta.url` (the CLI finds its package.json by it) in the CommonJS build too.
    shims: true,
    splitting: true,
  },
]);
