#!/usr/bin/env node
// What an app installs: packs rx-ssm (and rx-ssm-server), installs each into an empty app the
// way the README says, and counts packages and disk against the same app without rx-ssm. Fails
// when the SDK brings any package it does not import. `--markdown` prints the table that
// docs/package.md shows.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = (args, cwd) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 1 << 26 });

/** Bytes on disk under a folder. */
async function diskBytes(path) {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await diskBytes(join(path, entry));
  return total;
}

/** The packages an app's node_modules holds, by name. */
async function installedPackages(app) {
  const { stdout } = await npm(['ls', '--all', '--parseable'], app);
  return stdout
    .split('\n')
    .filter((line) => line.includes('node_modules'))
    .map((line) => line.slice(line.lastIndexOf('node_modules/') + 'node_modules/'.length));
}

/** An empty app with `packages` installed: its package names and its node_modules size. */
async function appWith(packages) {
  const app = await mkdtemp(join(tmpdir(), 'rx-ssm-app-'));
  try {
    await writeFile(join(app, 'package.json'), '{"name":"app","private":true}\n');
    await npm(['install', ...packages], app);
    const names = await installedPackages(app);
    return { names: new Set(names), bytes: await diskBytes(join(app, 'node_modules')) };
  } finally {
    await rm(app, { recursive: true, force: true });
  }
}

const packs = await mkdtemp(join(tmpdir(), 'rx-ssm-packs-'));
try {
  const pack = async (dir) => {
    // The build is already there (`npm run build` runs first): pack it as it is.
    const { stdout } = await npm(['pack', '--ignore-scripts', '--pack-destination', packs], dir);
    return join(packs, stdout.trim().split('\n').at(-1));
  };
  const sdk = await pack(join(root, 'packages', 'rx-ssm'));
  const server = await pack(join(root, 'packages', 'server'));

  const apps = {
    'rxjs alone': await appWith(['rxjs']),
    'rx-ssm + rxjs (rx-ssm/fetch)': await appWith([sdk, 'rxjs']),
    'rx-ssm + rxjs + axios (the default transport)': await appWith([sdk, 'rxjs', 'axios']),
    'rx-ssm + rxjs + rx-ssm-server': await appWith([sdk, 'rxjs', server]),
  };
  const base = apps['rxjs alone'];
  const sdkOnly = apps['rx-ssm + rxjs (rx-ssm/fetch)'];
  const extra = [...sdkOnly.names].filter((name) => !base.names.has(name) && name !== 'rx-ssm');

  if (process.argv.includes('--markdown')) {
    console.log('| app installs | packages | node_modules on disk |');
    console.log('|---|---|---|');
    for (const [name, app] of Object.entries(apps)) {
      console.log(`| ${name} | ${app.names.size} | ${(app.bytes / 1e6).toFixed(1)} MB |`);
    }
  } else {
    for (const [name, app] of Object.entries(apps)) {
      console.log(`${name}: ${app.names.size} packages, ${(app.bytes / 1e6).toFixed(1)} MB`);
    }
  }
  if (extra.length > 0) {
    console.error(`rx-ssm brought packages it does not import: ${extra.join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  await rm(packs, { recursive: true, force: true });
}
