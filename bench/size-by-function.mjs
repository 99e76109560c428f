// What each top-level function, class or constant of a bundle costs it, gzipped: the bundle of
// bench/size-budget.json built as `npm run size` builds it, once whole and once without each
// statement, both minified with esbuild and gzipped at level 9. The difference is that
// statement's marginal cost: what deleting it would save, which is less than its share of the
// minified bytes when gzip finds its text elsewhere in the bundle.
//
//   node bench/size-by-function.mjs [bundle] [rows]     e.g. node bench/size-by-function.mjs core 30

import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import ts from 'typescript';
import { root, sizeBudgets } from './bundle-size.mjs';

const [name = 'core', rows = '40'] = process.argv.slice(2);
const bundle = sizeBudgets().find((b) => b.name === name);
if (!bundle) throw new Error(`no bundle "${name}" in bench/size-budget.json`);

const { outputFiles } = await build({
  ...(bundle.entry
    ? { entryPoints: [`${root}/${bundle.entry}`] }
    : { stdin: { contents: bundle.contents, resolveDir: root, loader: 'ts' } }),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  define: { 'process.env.NODE_ENV': '"production"' },
  external: bundle.external ?? [],
  conditions: bundle.conditions ?? [],
  write: false,
  logLevel: 'error',
});
// Unminified, so that statements keep their names; the export list goes, as it names them all.
const text = outputFiles[0].text.replace(/^export \{[^}]*\};\s*$/m, '');
const gzipped = async (code) =>
  gzipSync((await transform(code, { minify: true, target: 'es2022', treeShaking: false })).code, {
    level: 9,
  }).byteLength;

const whole = await gzipped(text);
const costs = [];
const file = ts.createSourceFile(
  'bundle.js',
  text,
  ts.ScriptTarget.Latest,
  false,
  ts.ScriptKind.JS,
);
for (const statement of file.statements) {
  if (ts.isImportDeclaration(statement)) continue;
  const label = ts.isVariableStatement(statement)
    ? statement.declarationList.declarations.map((d) => d.name.getText(file)).join(', ')
    : (statement.name?.getText(file) ?? ts.SyntaxKind[statement.kind]);
  const without = await gzipped(
    text.slice(0, statement.getStart(file)) + text.slice(statement.end),
  );
  costs.push([whole - without, label]);
}
costs.sort((a, b) => b[0] - a[0]);
console.log(
  `${name}: ${whole} B gzipped (minified without tree-shaking); bytes each statement adds:`,
);
for (const [bytes, label] of costs.slice(0, Number(rows))) {
  console.log(`${String(bytes).padStart(6)}  ${label}`);
}
