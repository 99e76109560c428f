#!/usr/bin/env node
// The README that ships in the rx-ssm package: the repository's README.md, with every relative
// link made absolute (the docs it links to are not in the package). Run by the package's build,
// in packages/rx-ssm; the result is not committed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'packages/rx-ssm/package.json'), 'utf8'));
const blob = `${manifest.homepage.replace(/#.*$/, '')}/blob/main/`;

/** `](docs/x.md)` → `](https://…/blob/main/docs/x.md)`; absolute links and anchors stay. */
export function absoluteLinks(markdown, base) {
  return markdown.replace(
    /\]\((?![a-z][a-z0-9+.-]*:|#|\/)([^)\s]+)\)/gi,
    (_, path) => `](${base}${path})`,
  );
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
writeFileSync(join(root, 'packages/rx-ssm/README.md'), absoluteLinks(readme, blob));
