import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../browser/support/docs-blocks.js';

interface Manifest {
  name: string;
  homepage?: string;
  repository?: { type: string; url: string; directory: string };
  bugs?: { url: string };
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const manifest = (folder: string): Manifest =>
  JSON.parse(readFileSync(join(ROOT, 'packages', folder, 'package.json'), 'utf8'));
const text = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The links of a Markdown text that are neither absolute nor anchors. */
const relativeLinks = (markdown: string) =>
  [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((link) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(link));

describe.each(['rx-ssm', 'server'])('packages/%s/package.json', (folder) => {
  it('says where the project lives: repository (with its folder), homepage and bugs', () => {
    const { repository, homepage, bugs } = manifest(folder);
    expect(repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/rx-ssm/rx-ssm.git',
      directory: `packages/${folder}`,
    });
    expect(homepage).toBe('https://github.com/rx-ssm/rx-ssm#readme');
    expect(bugs).toEqual({ url: 'https://github.com/rx-ssm/rx-ssm/issues' });
  });
});

describe('the READMEs the packages ship', () => {
  it('rx-ssm ships the repository README with every link absolute (the docs are not in the package)', () => {
    // Written by the package's build (scripts/package-readme.mjs), which npm test runs first.
    const shipped = text('packages/rx-ssm/README.md');
    expect(relativeLinks(text('README.md'))).toContain('docs/wire-protocol.md');
    expect(relativeLinks(shipped)).toEqual([]);
    expect(shipped).toContain(
      '](https://github.com/rx-ssm/rx-ssm/blob/main/docs/wire-protocol.md)',
    );
    expect(shipped.replace(/\]\([^)]*\)/g, '')).toBe(text('README.md').replace(/\]\([^)]*\)/g, ''));
  });

  it('rx-ssm-server has no relative link either', () => {
    expect(relativeLinks(text('packages/server/README.md'))).toEqual([]);
  });
});

it('docs/package.md names every optional peer dependency of rx-ssm', () => {
  const { peerDependencies = {}, peerDependenciesMeta = {} } = manifest('rx-ssm');
  const optional = Object.keys(peerDependencies).filter(
    (name) => peerDependenciesMeta[name]?.optional,
  );
  expect(optional.length).toBeGreaterThanOrEqual(6);
  const row = text('docs/package.md')
    .split('\n')
    .find((line) => line.startsWith('| `rx-ssm` |'));
  for (const name of optional) expect(row).toContain(`\`${name}\``);
});
