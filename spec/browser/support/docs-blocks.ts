import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import ts from 'typescript';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The first ```ts block under each `## ` heading of a Markdown file, by heading. */
export function codeBlocks(markdownPath: string): Map<string, string> {
  const markdown = readFileSync(markdownPath, 'utf8');
  const blocks = new Map<string, string>();
  for (const section of markdown.split(/^## /m).slice(1)) {
    const heading = section.slice(0, section.indexOf('\n')).trim();
    const block = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
    if (block) blocks.set(heading, block);
  }
  return blocks;
}

const ENTRIES: Record<string, string> = {
  'rx-ssm': 'packages/rx-ssm/src/index.ts',
  'rx-ssm/fetch': 'packages/rx-ssm/src/fetch.ts',
  'rx-ssm/server': 'packages/server/src/index.ts',
  'rx-ssm-server': 'packages/server/src/index.ts',
  'rx-ssm/players': 'packages/rx-ssm/src/players/index.ts',
  'rx-ssm/testing': 'packages/rx-ssm/src/testing/index.ts',
};

/** Imports of the package by name resolve to its source, as an app's imports would to dist. */
const packageBySource: Plugin = {
  name: 'rx-ssm-source',
  setup(builder) {
    builder.onResolve({ filter: /^rx-ssm((\/|-)[a-z]+)?$/ }, ({ path }) => {
      const entry = ENTRIES[path];
      return entry ? { path: join(ROOT, entry) } : { errors: [{ text: `no entry ${path}` }] };
    });
  },
};

/** A code block bundled for the browser, as an app's bundler would (esbuild). */
export async function bundleBlock(code: string, name: string): Promise<string> {
  const result = await build({
    stdin: { contents: code, loader: 'ts', resolveDir: join(ROOT, 'docs'), sourcefile: name },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [packageBySource],
  });
  return result.outputFiles[0]?.text ?? '';
}

/** The package a bare import names: `rxjs/operators` → `rxjs`, `@scope/name/x` → `@scope/name`. */
function packageOf(path: string): string {
  const parts = path.split('/');
  return path.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? path);
}

/** The dependencies npm installs with each of the repository's packages, by source folder. */
const DEPENDENCIES_OF: Record<string, string[]> = Object.fromEntries(
  ['rx-ssm', 'server'].map((folder) => {
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'packages', folder, 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> };
    return [join(ROOT, 'packages', folder, 'src'), Object.keys(manifest.dependencies ?? {})];
  }),
);

/**
 * The imports of a code block (and of the rx-ssm sources it pulls in) that an app with only
 * `installs` could not resolve, each with who imports it: bundled with esbuild as the app's
 * bundler would. rx-ssm's own names map to the sources; a package's own dependencies come with
 * it; everything else must be installed by the app. Empty when the block builds.
 */
export async function unresolvedImports(
  code: string,
  installs: string[],
  app: { node: boolean },
): Promise<string[]> {
  // The first importer of each missing package is enough to say why it is needed.
  const missing = new Map<string, string>();
  const installedOnly: Plugin = {
    name: 'installed-only',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, ({ path, importer }) => {
        if (path.startsWith('node:')) return { path, external: true };
        const name = packageOf(path);
        const from = Object.entries(DEPENDENCIES_OF).find(([src]) => importer.startsWith(src));
        const needs = path === 'rx-ssm/server' ? ['rx-ssm', 'rx-ssm-server'] : [name];
        const comes = (pkg: string) =>
          installs.includes(pkg) || from?.[1].includes(pkg) || (from && pkg === 'rx-ssm');
        for (const pkg of needs.filter((pkg) => !comes(pkg))) {
          const by = importer.startsWith(ROOT) ? importer.slice(ROOT.length + 1) : 'the block';
          if (!missing.has(pkg)) {
            missing.set(pkg, `${pkg} (imported by ${by}; the app installs ${installs.join(', ')})`);
          }
        }
        // What a package brings with it is built into it: not followed, as in the app.
        const entry = from ? undefined : ENTRIES[path];
        return entry ? { path: join(ROOT, entry) } : { path, external: true };
      });
    },
  };
  await build({
    stdin: { contents: code, loader: 'ts', resolveDir: join(ROOT, 'docs'), sourcefile: 'block.ts' },
    bundle: true,
    format: 'esm',
    platform: app.node ? 'node' : 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [installedOnly],
  });
  return [...missing.values()].sort();
}

/**
 * A code block bundled for Node into a file under node_modules/.cache (so that its packages
 * other than rx-ssm resolve from the repository's node_modules, as an app's would from its own),
 * with rx-ssm's names mapped to the sources. Resolves the file and its removal.
 */
export async function bundleBlockForNode(
  code: string,
  name: string,
): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = join(ROOT, 'node_modules', '.cache', 'rx-ssm-docs');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${process.pid}-${Date.now()}.mjs`);
  await build({
    stdin: { contents: code, loader: 'ts', resolveDir: join(ROOT, 'docs'), sourcefile: name },
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
    plugins: [packageBySource],
  });
  return { file, remove: () => rm(file, { force: true }) };
}

/**
 * Type errors of code blocks, checked as an app with a bundler would check them (`Bundler`
 * resolution, DOM types, strict), with the package's names mapped to its source.
 */
export function typeErrors(blocks: Record<string, string>, app: { node?: boolean } = {}): string[] {
  const files = new Map(
    Object.entries(blocks).map(([name, code]) => [join(ROOT, 'docs', `${name}.ts`), code]),
  );
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    isolatedModules: true,
    types: app.node ? ['node'] : [],
    baseUrl: ROOT,
    paths: Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, [path]])),
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (path) => files.get(path) ?? readFile(path);
  host.fileExists = (path) => files.has(path) || fileExists(path);
  host.getSourceFile = (path, language, ...rest) => {
    const code = files.get(path);
    return code === undefined
      ? getSourceFile(path, language, ...rest)
      : ts.createSourceFile(path, code, language, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.has(d.file.fileName))
    .map((d) => {
      const where =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const at = d.file && where ? `${d.file.fileName}:${where.line + 1}: ` : '';
      return `${at}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
