import { defineConfig } from 'tsup';

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
      server: 'src/server.ts',
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
]);
