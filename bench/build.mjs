// Bundles the benchmark entry points (TypeScript, importing the SDK and server sources) into
// bench/.out/, so a plain `node` runs them. Packages stay external and resolve from the
// project's node_modules.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const outDir = join(benchDir, '.out');

/** Entry points, by the name of the bundle they become. */
const entries = {
  'zap-latency': 'zap-latency.ts',
  'pipeline-cost': 'pipeline-cost.ts',
  'server-throughput': 'server-throughput.ts',
  'server-profile': 'server-profile.ts',
  capacity: 'capacity.ts',
  'policy-cost': 'policy-cost.ts',
  'token-cost': 'token-cost.ts',
  'redis-clients': 'redis-clients.ts',
  'rx-ssm': 'support/rx-ssm-cli.ts',
  'ssm-server-process': 'support/ssm-server-process.ts',
};

/** esbuild's options for a bundle that node runs: ESM, packages resolved from node_modules. */
export const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'error',
};

/** Bundles every entry; resolves the path of each bundle by name. */
export async function buildBenchmarks() {
  await mkdir(outDir, { recursive: true });
  await build({
    ...nodeBundle,
    entryPoints: Object.fromEntries(
      Object.entries(entries).map(([name, file]) => [name, join(benchDir, file)]),
    ),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
  });
  return Object.fromEntries(
    Object.keys(entries).map((name) => [name, join(outDir, `${name}.mjs`)]),
  );
}
