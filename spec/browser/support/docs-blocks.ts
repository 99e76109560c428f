import { readFileSync } from 'node:fs';
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

/**
 * Type errors of code blocks, checked as an app with a bundler would check them (`Bundler`
 * resolution, DOM types, strict), with the package's names mapped to its source.
 */
export function typeErrors(blocks: Record<string, string>): string[] {
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
    types: [],
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
