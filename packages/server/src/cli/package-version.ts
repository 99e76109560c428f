import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version of the rx-ssm package this module was installed with: the nearest `package.json`
 * above it named `rx-ssm-server` (installed) or `rx-ssm` (this repository, where both share one
 * version).
 */
export function packageVersion(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if ((manifest.name === 'rx-ssm-server' || manifest.name === 'rx-ssm') && manifest.version) {
        return manifest.version;
      }
    } catch {
      // no package.json here: look further up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
