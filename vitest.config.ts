import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The specs of the whole repository, or of one package (`include` relative to the folder vitest
 * runs in): each package's `vitest.config.ts` calls this with its own specs.
 */
export function specConfig(include: string[]) {
  return defineConfig({
    // Examples import the packages by name, as an app would; here those names are the sources.
    resolve: {
      alias: [
        { find: /^rx-ssm$/, replacement: here('./packages/rx-ssm/src/index.ts') },
        {
          find: /^rx-ssm\/(testing|players|react|react-native)$/,
          replacement: here('./packages/rx-ssm/src/$1/index.ts'),
        },
        { find: /^rx-ssm\/fetch$/, replacement: here('./packages/rx-ssm/src/fetch.ts') },
        {
          find: /^rx-ssm\/server$|^rx-ssm-server$/,
          replacement: here('./packages/server/src/index.ts'),
        },
      ],
    },
    test: {
      include,
      // Fails the run when any process a spec started is still running at the end.
      globalSetup: [here('./spec/support/no-leftover-processes.ts')],
      // An unhandled rejection or uncaught error anywhere fails the run (vitest's default, stated here on purpose).
      dangerouslyIgnoreUnhandledErrors: false,
      testTimeout: 20_000,
      hookTimeout: 30_000,
      coverage: {
        provider: 'v8',
        include: ['packages/rx-ssm/src/**/*.ts'],
        exclude: [
          'packages/rx-ssm/src/players/**',
          'packages/rx-ssm/src/**/index.ts',
          'packages/rx-ssm/src/types.ts',
          'packages/rx-ssm/src/api.ts',
          'packages/rx-ssm/src/fetch.ts',
          'packages/rx-ssm/src/server.ts',
          'packages/rx-ssm/src/session/session-context.ts',
        ],
        reporter: ['text-summary', 'text'],
        thresholds: { lines: 95 },
      },
    },
  });
}

export default specConfig(['spec/**/*.spec.ts', 'packages/*/spec/**/*.spec.ts']);
