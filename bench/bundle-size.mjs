// Bundle sizes with esbuild: minified, ESM, for browsers, gzipped at level 9. Shared by the
// size check (CI) and the benchmark report.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundles and budgets of bench/size-budget.json. */
export function sizeBudgets() {
  return JSON.parse(readFileSync(join(root, 'bench', 'size-budget.json'), 'utf8')).bundles;
}

/**
 * Builds one bundle in memory and measures it: `bytes` minified, `gzip` minified and gzipped,
 * and the inputs that make up the output, largest first (from esbuild's metafile). Measured as
 * a production build, `process.env.NODE_ENV` defined as "production" (what Vite, webpack and
 * Next define for one, and esbuild's own default when it minifies for browsers), so code kept
 * for development builds is not counted; `development` is the same bundle with "development",
 * for information.
 */
export async function measureBundle(bundle) {
  const { text: _production, ...production } = await buildBundle(bundle, 'production');
  const { text: _development, ...development } = await buildBundle(bundle, 'development');
  return {
    name: bundle.name,
    description: bundle.description,
    ...production,
    budget: bundle.budget,
    development,
  };
}

/**
 * esbuild's options for `bundle` (its `entry` or `contents`, `external` and `conditions`) as a
 * build with `process.env.NODE_ENV` defined as `mode`, minified: ESM for browsers, in memory.
 */
function buildOptions(bundle, mode) {
  return {
    ...(bundle.entry
      ? { entryPoints: [join(root, bundle.entry)] }
      : {
          stdin: {
            contents: bundle.contents,
            resolveDir: root,
            loader: 'ts',
            sourcefile: 'app.ts',
          },
        }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    external: bundle.external ?? [],
    // Package export conditions beside esbuild's own (`es2015` picks rxjs's ES2015 build).
    conditions: bundle.conditions ?? [],
    write: false,
    outfile: 'bundle.js',
    logLevel: 'error',
  };
}

/**
 * One build of `bundle` with `process.env.NODE_ENV` defined as `mode`: its size, its inputs by
 * bytes in the output, and its code (`text`).
 */
export async function buildBundle(bundle, mode) {
  const result = await build({ ...buildOptions(bundle, mode), metafile: true });
  const code = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const [output] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(output.inputs)
    .map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput }))
    .filter((input) => input.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return {
    bytes: code.contents.byteLength,
    gzip: gzipSync(code.contents, { level: 9 }).byteLength,
    inputs,
    text: code.text,
  };
}

/** Bytes of the inputs, summed by package (`rxjs`, `axios`) or `rx-ssm` for the sources. */
export function byPackage(inputs) {
  const totals = new Map();
  for (const { path, bytes } of inputs) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'rx-ssm';
    totals.set(name, (totals.get(name) ?? 0) + bytes);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/**
 * What the text of `bundle` costs it, gzipped: its production build whole, and the same code with
 * the characters of every string and template literal taken out (messages, paths, header and
 * field names alike; the module names of imports stay). `codeOnly` is what no wording could go
 * below: the size of the code alone. `withoutWording` takes out only the literals that hold
 * words (two letters with a space between them, around substitutions too: the error messages),
 * keeping the paths, header and field names the code works with; `wordingCharacters` counts them.
 */
export async function textCost(bundle) {
  const { text, gzip } = await buildBundle(bundle, 'production');
  const { ts, file } = await parsed(text);
  // [start, end) of each literal's characters, between its quotes or around its substitutions.
  // Each literal's spans, and whether it holds words; a substitution reads as a word.
  const literals = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      literals.push({ spans: [[node.getStart(file) + 1, node.end - 1]], words: node.text });
    } else if (ts.isTemplateExpression(node)) {
      const parts = [node.head, ...node.templateSpans.map((span) => span.literal)];
      literals.push({
        // `…${ and }…${ each open with one character and close with two; }…` closes with one.
        spans: parts.map((part) => [
          part.getStart(file) + 1,
          part.end - (ts.isTemplateTail(part) ? 1 : 2),
        ]),
        words: parts.map((part) => part.text).join('x'),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const characters = (spans) => spans.reduce((sum, [start, end]) => sum + end - start, 0);
  const without = (spans) => {
    let rest = '';
    let from = 0;
    for (const [start, end] of spans.sort((a, b) => a[0] - b[0])) {
      rest += text.slice(from, start);
      from = end;
    }
    return gzipSync(rest + text.slice(from), { level: 9 }).byteLength;
  };
  const all = literals.flatMap((literal) => literal.spans);
  const wording = literals
    .filter((literal) => /\p{L} \p{L}/u.test(literal.words))
    .flatMap((literal) => literal.spans);
  return {
    gzip,
    characters: characters(all),
    codeOnly: without(all),
    wordingCharacters: characters(wording),
    withoutWording: without(wording),
  };
}

/**
 * What each top-level function, class or constant of `bundle` costs it, gzipped: the production
 * build without minification (so statements keep their names), then minified and gzipped once
 * whole and once without each statement. The difference is the statement's marginal cost, what
 * deleting it would save: less than its share of the minified bytes when gzip finds its text
 * elsewhere in the bundle. Largest first; `whole` is the gzipped size these are taken from.
 */
export async function statementCosts(bundle) {
  const { outputFiles } = await build({ ...buildOptions(bundle, 'production'), minify: false });
  // The export list goes: it names every statement, so none could be left out.
  const text = outputFiles[0].text.replace(/^export \{[^}]*\};\s*$/m, '');
  const gzipped = async (code) =>
    gzipSync((await transform(code, { minify: true, target: 'es2022', treeShaking: false })).code, {
      level: 9,
    }).byteLength;
  const whole = await gzipped(text);
  const { ts, file } = await parsed(text);
  const statements = [];
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) continue;
    const label = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((d) => d.name.getText(file)).join(', ')
      : (statement.name?.getText(file) ?? ts.SyntaxKind[statement.kind]);
    const without = text.slice(0, statement.getStart(file)) + text.slice(statement.end);
    statements.push({ label, bytes: whole - (await gzipped(without)) });
  }
  return { whole, statements: statements.sort((a, b) => b.bytes - a.bytes) };
}

/** A bundle's code parsed by TypeScript, and the compiler it was parsed with. */
async function parsed(text) {
  // Loaded here: the size check, which imports this module too, has no use for a parser.
  const { default: ts } = await import('typescript');
  const file = ts.createSourceFile(
    'bundle.js',
    text,
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.JS,
  );
  return { ts, file };
}
