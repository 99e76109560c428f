import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../browser/support/docs-blocks.js';

/** Every .ts/.tsx file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The import and export specifiers of a file (type-only ones included). */
function specifiers(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/^(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (match) => match[1] ?? '',
  );
}

/** A relative specifier as the file it names (`./x.js` → `…/x.ts`). */
function target(file: string, specifier: string): string {
  const path = normalize(join(dirname(file), specifier));
  return path.replace(/\.js$/, path.endsWith('.tsx.js') ? '' : '.ts');
}

const PACKAGES = { 'rx-ssm': 'packages/rx-ssm/src', 'rx-ssm-server': 'packages/server/src' };

describe.each(Object.entries(PACKAGES))('%s (%s)', (_name, folder) => {
  const files = sources(join(ROOT, folder));

  it('reaches nothing outside its own folder but by package name', () => {
    const outside = files.flatMap((file) =>
      specifiers(file)
        .filter((specifier) => specifier.startsWith('.'))
        .filter((specifier) =>
          relative(join(ROOT, folder), target(file, specifier)).startsWith('..'),
        )
        .map((specifier) => `${relative(ROOT, file)} → ${specifier}`),
    );
    expect(outside).toEqual([]);
  });

  it('has no import circle (type-only imports included)', () => {
    const graph = new Map(
      files.map((file) => [
        file,
        specifiers(file)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => target(file, specifier)),
      ]),
    );
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        const loop = path.slice(path.indexOf(file));
        circles.push([...loop, file].map((f) => relative(join(ROOT, folder), f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(circles).toEqual([]);
  });
});
