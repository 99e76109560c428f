import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // Examples import the package by name, as an app would; here that name is the source.
  resolve: {
    alias: [
      { find: /^rx-ssm$/, replacement: here('./src/index.ts') },
      {
        find: /^rx-ssm\/(testing|players|server|react|react-native)$/,
        replacement: here('./src/$1/index.ts'),
      },
      { find: /^rx-ssm\/fetch$/, replacement: here('./src/fetch.ts') },
      { find: /^rx-ssm-server$/, replacement: here('./src/server/index.ts') },
    ],
  },
  test: {
    include: ['spec/**/*.spec.ts'],
    // Fails the run when any process a spec started is still running at the end.
    globalSetup: ['spec/support/no-leftover-processes.ts'],
    // An unhandled rejection or uncaught error anywhere fails the run (vitest's default, stated here on purpose).
    dangerouslyIgnoreUnhandledErrors: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: [
        'src/server/**',
        'src/players/**',
        'src/demo/**',
        'src/**/index.ts',
        'src/types.ts',
        'src/api.ts',
        'src/fetch.ts',
        'src/server-package.ts',
        'src/session-context.ts',
      ],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 95 },
    },
  },
});
