#!/usr/bin/env node
// Runs every benchmark and writes the report: `npm run bench` (docs/benchmarks.md) or
// `npm run bench -- --quick` (small counts, short durations, bench/.out/benchmarks.quick.md).
// `--only=zap,pipelines,throughput,size,profile,capacity,policy,tokens,redis-clients` runs some of them and keeps the
// other sections of the report as they were (`throughput` runs `profile` and `redis-clients` too); `--out=FILE` writes elsewhere.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { buildBenchmarks, outDir } from './build.mjs';
import { measureBundle, root, sizeBudgets, statementCosts, textCost } from './bundle-size.mjs';
import { renderReport } from './report.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const out =
  argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length) ??
  (quick ? join(outDir, 'benchmarks.quick.md') : join(root, 'docs', 'benchmarks.md'));
const wanted = (name) => !only || only.includes(name);

const started = performance.now();
const loadAtStart = loadavg()[0];
const bundles = await buildBenchmarks();
const resultsDir = join(outDir, 'results');
await mkdir(resultsDir, { recursive: true });

/** Runs one bundled benchmark in its own process and resolves its JSON result. */
async function runBench(name, bundle, { nodeFlags = [], flags = [] } = {}) {
  const file = join(resultsDir, `${name}.json`);
  const benchArgs = [...flags, ...(quick ? ['--quick'] : []), `--out=${file}`];
  console.error(`${name}: node ${[...nodeFlags, relative(root, bundle), ...benchArgs].join(' ')}`);
  const child = spawn(process.execPath, [...nodeFlags, bundle, ...benchArgs], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${name} failed with exit code ${code}`);
  return JSON.parse(await readFile(file, 'utf8'));
}

const results = {};
if (wanted('zap')) results.zap = await runBench('zap-latency', bundles['zap-latency']);
if (wanted('pipelines')) {
  const gcFlags = ['--expose-gc'];
  results.pipelines = [
    await runBench('pipelines-axios', bundles['pipeline-cost'], {
      nodeFlags: gcFlags,
      flags: ['--transport=axios'],
    }),
  ];
  // What one process with axios sustains on this machine, beside the full count.
  if (!quick) {
    results.pipelines.push(
      await runBench('pipelines-axios-2000', bundles['pipeline-cost'], {
        nodeFlags: gcFlags,
        flags: ['--transport=axios', '--pipelines=2000'],
      }),
    );
  }
  results.pipelines.push(
    await runBench('pipelines-stub', bundles['pipeline-cost'], {
      nodeFlags: gcFlags,
      flags: ['--transport=stub'],
    }),
  );
}
if (wanted('throughput')) {
  results.throughput = await runBench('server-throughput', bundles['server-throughput']);
}
// The Redis client bake-off is the evidence for the Redis rows of the throughput section.
if (wanted('throughput') || wanted('redis-clients')) {
  results.redisClients = await runBench('redis-clients', bundles['redis-clients']);
}
if (wanted('throughput') || wanted('profile')) {
  results.profile = await runBench('server-profile', bundles['server-profile']);
}
if (wanted('capacity')) results.capacity = await runBench('capacity', bundles.capacity);
if (wanted('policy')) results.policy = await runBench('policy-cost', bundles['policy-cost']);
if (wanted('tokens')) results.tokens = await runBench('token-cost', bundles['token-cost']);
if (wanted('size')) {
  console.error('bundle-size: esbuild, in process');
  results.size = [];
  for (const bundle of sizeBudgets()) results.size.push(await measureBundle(bundle));
  // Where the core's bytes go, for the report.
  const core = sizeBudgets().find((bundle) => bundle.name === 'core');
  results.coreCosts = await statementCosts(core);
  // What its text costs it, and what its code alone would weigh.
  results.coreText = await textCost(core);
}

// Running some benchmarks only rewrites their sections of an existing report.
const previous = only ? await readFile(out, 'utf8').catch(() => undefined) : undefined;
const report = renderReport(
  {
    results,
    quick,
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    node: process.version,
    machine: {
      cores: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      memoryGiB: totalmem() / 2 ** 30,
      loadAtStart,
    },
    date: new Date().toISOString().slice(0, 10),
    seconds: (performance.now() - started) / 1000,
  },
  previous,
);
await writeFile(out, report);
console.error(
  `wrote ${relative(process.cwd(), out)} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
