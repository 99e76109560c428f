import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    players: 'src/players/index.ts',
    server: 'src/server/index.ts',
    cli: 'src/server/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Entries share chunks, so `rx-ssm/players` and `rx-ssm` use one SsmError class.
  splitting: true,
});
