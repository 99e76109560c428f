#!/usr/bin/env node
// A/B of the reference server between a commit and the working tree: what a heartbeat and a
// setup+teardown cost the serving processes on each (bench/server-ab.ts), for a change to the
// server or its stores to be measured against the code before it, paired run by run.
//
//   npm run bench:ab -- --base=REF [--stores=redis,memory] [--reps=10] [--seconds=2] [--quick]
//
// A is the server of REF (default HEAD: the working tree's uncommitted change against its
// commit), B the working tree's: each tree's sources (packages/*/src, with the tsconfig files
// esbuild reads, and its bench/support/ssm-server-process.ts, how a server process is configured
// and started) are copied into bench/.out/ab/, REF's through `git archive`, and built alike. The
// packages under node_modules (the Redis client) are the project's for both. Writes
// bench/.out/ab/result.json and prints the table.
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { benchDir, nodeBundle, outDir } from './build.mjs';
import { root } from './bundle-size.mjs';

const argv = process.argv.slice(2);
const base = argv.find((arg) => arg.startsWith('--base='))?.slice('--base='.length) ?? 'HEAD';
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const commit = git('rev-parse', '--verify', `${base}^{commit}`);
const abDir = join(outDir, 'ab');
const baseTree = join(abDir, 'base');
const headTree = join(abDir, 'head');
await rm(abDir, { recursive: true, force: true });
await mkdir(baseTree, { recursive: true });

const tar = join(abDir, 'base.tar');
// The sources, and the tsconfig files esbuild reads as it compiles them (class fields, paths).
const TREE = [
  'tsconfig.base.json',
  'packages/server/src',
  'packages/server/tsconfig.json',
  'packages/rx-ssm/src',
  'packages/rx-ssm/tsconfig.json',
  'bench/support',
];
git('archive', '--format=tar', `--output=${tar}`, commit, ...TREE);
execFileSync('tar', ['-xf', tar, '-C', baseTree]);
// The working tree's, copied alike: both builds are made the same way from a tree of their own.
for (const path of TREE) await cp(join(root, path), join(headTree, path), { recursive: true });

// Each tree's own server process, which imports that tree's sources.
const serverEntry = (tree) => join(tree, 'bench', 'support', 'ssm-server-process.ts');
const serverA = join(abDir, 'a', 'ssm-server-process.mjs');
const serverB = join(abDir, 'b', 'ssm-server-process.mjs');
const runner = join(abDir, 'server-ab.mjs');
await build({ ...nodeBundle, entryPoints: [serverEntry(baseTree)], outfile: serverA });
await build({ ...nodeBundle, entryPoints: [serverEntry(headTree)], outfile: serverB });
await build({ ...nodeBundle, entryPoints: [join(benchDir, 'server-ab.ts')], outfile: runner });

const forwarded = argv.filter((arg) => !arg.startsWith('--base='));
const child = spawn(
  process.execPath,
  [runner, ...forwarded, `--out=${join(abDir, 'result.json')}`],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      AB_SERVER_A: serverA,
      AB_SERVER_B: serverB,
      AB_NAME_A: `${base} (${commit.slice(0, 7)})`,
      AB_NAME_B: 'the working tree',
    },
  },
);
const code = await new Promise((done) => child.once('exit', done));
process.exit(code ?? 1);
