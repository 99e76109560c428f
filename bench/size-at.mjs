// A bundle of bench/size-budget.json as it was at other commits, built as `npm run size` builds
// it today (the same esbuild options, the same gzip), so sizes across history compare:
//
//   npm run size:at -- [--bundle=core] REF [REF ...]     e.g. npm run size:at -- v0.2.0 HEAD
//
// Each REF's own size-budget.json names the bundle's entry (the core was src/index.ts before the
// packages/ layout); the folder around that entry is taken from REF with `git archive` into
// bench/.out/size-at/<commit>/, so the working tree is not touched. Bundles given as `contents`
// (the apps) are not measured here: their imports point into the tree of their own day. The
// minifier's names can come out a few bytes apart for the same code in another folder: HEAD's
// core measured 7519 B here when `npm run size` said 7520 B.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildBundle, root } from './bundle-size.mjs';

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
const name = process.argv.find((arg) => arg.startsWith('--bundle='))?.slice(9) ?? 'core';
const refs = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (refs.length === 0) {
  console.error('usage: npm run size:at -- [--bundle=NAME] REF [REF ...]');
  process.exit(2);
}

for (const ref of refs) {
  const commit = git('rev-parse', '--short', `${ref}^{commit}`).trim();
  const budgets = JSON.parse(git('show', `${commit}:bench/size-budget.json`)).bundles;
  const bundle = budgets.find((b) => b.name === name);
  if (!bundle?.entry) {
    console.log(`${ref} (${commit}): no bundle "${name}" with an entry file`);
    continue;
  }
  // The entry's source folder: packages/rx-ssm/src/index.ts → packages/rx-ssm/src.
  const folder = bundle.entry.replace(/\/src\/.*$/, '/src').replace(/^src\/.*$/, 'src');
  const tree = join(root, 'bench', '.out', 'size-at', commit);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', commit, folder], { cwd: root });
  execFileSync('tar', ['-x', '-C', tree], { input: archive });
  const entry = relative(root, join(tree, bundle.entry));
  const { gzip, bytes } = await buildBundle({ ...bundle, entry }, 'production');
  const budget = bundle.budget === undefined ? '' : `, budget ${bundle.budget} B then`;
  console.log(`${ref} (${commit}): ${name} ${gzip} B gzipped (${bytes} B minified${budget})`);
  rmSync(tree, { recursive: true, force: true });
}
