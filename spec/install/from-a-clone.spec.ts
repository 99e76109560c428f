import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../browser/support/docs-blocks.js';
import { runCommand, startCommand } from '../support/commands.js';

/**
 * The README's first commands, as a new user runs them: on a fresh copy of the tree (what a
 * clone holds: the tracked files and the new ones not ignored), `npm ci` and then the rx-ssm
 * command; then the README's install from tarballs into an empty app.
 */
let work: string;
let clone: string;
const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const MINUTES = 60_000;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rx-ssm-clone-'));
  clone = join(work, 'rx-ssm');
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    await mkdir(dirname(join(clone, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(clone, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // a file deleted in the work tree, not yet in git
    });
  }
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The sh block of the README's Install section: the commands it says to run, in order. */
async function installCommands(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const install = readme.split(/^## /m).find((section) => section.startsWith('Install'));
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(install ?? '')?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

describe('from a fresh clone', () => {
  it('the README says: clone, npm ci, npm pack both packages, install both tarballs and rxjs, npx rx-ssm serve', async () => {
    expect(await installCommands()).toEqual([
      'git clone https://github.com/rx-ssm/rx-ssm.git && cd rx-ssm',
      'npm ci',
      'npm pack -w rx-ssm -w rx-ssm-server',
      'cd ../my-app',
      'npm install ../rx-ssm/rx-ssm-0.2.0.tgz ../rx-ssm/rx-ssm-server-0.2.0.tgz rxjs',
      'npx rx-ssm serve',
    ]);
  });

  it(
    'npm ci, then npx rx-ssm serve --help and npx rx-ssm token work with no other step',
    async () => {
      const ci = await runCommand('npm', ['ci', ...npmFlags], {
        cwd: clone,
        timeoutMs: 8 * MINUTES,
      });
      expect(ci.code, ci.stderr).toBe(0);

      const help = await runCommand('npx', ['rx-ssm', 'serve', '--help'], {
        cwd: clone,
        timeoutMs: MINUTES,
      });
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^Usage: rx-ssm serve \[options\]/);

      const token = await runCommand(
        'npx',
        ['rx-ssm', 'token', '--account', 'a', '--content', 'c'],
        {
          cwd: clone,
          timeoutMs: MINUTES,
        },
      );
      expect(token.code, token.stderr).toBe(0);
      expect(token.stdout.trim().split('.')).toHaveLength(3);
    },
    10 * MINUTES,
  );

  it(
    'the tarballs install into an empty app as written: npx rx-ssm serve answers, and the app imports rx-ssm/fetch',
    async () => {
      const version = JSON.parse(
        await readFile(join(clone, 'packages', 'rx-ssm', 'package.json'), 'utf8'),
      ).version as string;
      const pack = await runCommand(
        'npm',
        ['pack', '-w', 'rx-ssm', '-w', 'rx-ssm-server', ...npmFlags],
        {
          cwd: clone,
          timeoutMs: 5 * MINUTES,
        },
      );
      expect(pack.code, pack.stderr).toBe(0);
      const tarballs = (await readdir(clone)).filter((file) => file.endsWith('.tgz')).sort();
      expect(tarballs).toEqual([`rx-ssm-${version}.tgz`, `rx-ssm-server-${version}.tgz`]);

      const app = join(work, 'my-app');
      await mkdir(app);
      await writeFile(
        join(app, 'package.json'),
        '{"name":"my-app","private":true,"type":"module"}\n',
      );
      const install = await runCommand(
        'npm',
        ['install', ...tarballs.map((file) => `../rx-ssm/${file}`), 'rxjs', ...npmFlags],
        { cwd: app, timeoutMs: 5 * MINUTES },
      );
      expect(install.code, install.stderr).toBe(0);

      const server = startCommand('npx', ['rx-ssm', 'serve', '--port', '0'], { cwd: app });
      try {
        const ssmServerUrl =
          (await server.waitFor(/ssmServerUrl for the SDK's sources: (\S+)\n/, MINUTES))[1] ?? '';
        const program = [
          "import { ssmBaseUrl, ssmSession } from 'rx-ssm/fetch';",
          `const url = ${JSON.stringify(ssmServerUrl)};`,
          "const res = await fetch(ssmBaseUrl(url) + '/sessions/setup', { method: 'POST', body: '{}' });",
          'console.log(typeof ssmSession, res.status);',
        ].join('\n');
        await writeFile(join(app, 'check.mjs'), program);
        const check = await runCommand('node', ['check.mjs'], { cwd: app, timeoutMs: MINUTES });
        expect(check.code, check.stderr).toBe(0);
        // The SDK loads from the tarball; the server it talks to answers a token-less setup 401.
        expect(check.stdout.trim()).toBe('function 401');
      } finally {
        await server.stop();
      }
    },
    10 * MINUTES,
  );
});
