// Types of build.mjs, for the specs that bundle a process the way the benchmarks do.
import type { BuildOptions } from 'esbuild';

/** The benchmarks' folder, and the one their bundles go to (bench/.out). */
export const benchDir: string;
export const outDir: string;

/** esbuild's options for a bundle that node runs: ESM, packages resolved from node_modules. */
export const nodeBundle: BuildOptions;

/** Bundles every benchmark entry; resolves the path of each bundle by name. */
export function buildBenchmarks(): Promise<Record<string, string>>;
