import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleBlockForNode, codeBlocks, ROOT } from '../browser/support/docs-blocks.js';
import { type RunningCommand, runCommand, startCommand } from '../support/commands.js';

const BIN = join(ROOT, 'packages', 'server', 'bin', 'rx-ssm.js');
let server: RunningCommand;
let ssmServerUrl: string;
let program: { file: string; remove: () => Promise<void> };

beforeAll(async () => {
  // The README's first command, on a free port: `npx rx-ssm serve` (the bin npx runs).
  server = startCommand('node', [BIN, 'serve', '--port', '0'], { cwd: ROOT });
  ssmServerUrl =
    (await server.waitFor(/ssmServerUrl for the SDK's sources: (\S+)\n/, 15_000))[1] ?? '';
  const block = codeBlocks(join(ROOT, 'README.md')).get('Quick start');
  if (!block) throw new Error('the README has no Quick start block');
  program = await bundleBlockForNode(block, 'quick-start');
});
afterAll(async () => {
  await server?.stop();
  await program?.remove();
});

it('the README Quick start runs against the real server as written: setup, two heartbeats, a stop that frees the slot; a second run at the limit gets 6001', async () => {
  const minted = await runCommand(
    'node',
    [BIN, 'token', '--account', 'alice', '--content', 'channel-1', '--max-sessions', '1'],
    { cwd: ROOT, timeoutMs: 15_000 },
  );
  expect(minted.code).toBe(0);
  const env = { CONTENT_TOKEN: minted.stdout.trim(), SSM_SERVER_URL: ssmServerUrl };

  const first = startCommand('node', [program.file], { cwd: ROOT, env });
  let second: RunningCommand | undefined;
  try {
    await first.waitFor(/state: active/, 15_000);
    second = startCommand('node', [program.file], { cwd: ROOT, env });
    await second.waitFor(/state: error/, 15_000);
    const [firstEnd, secondEnd] = await Promise.all([first.exit(30_000), second.exit(30_000)]);

    expect(firstEnd.code).toBe(0);
    const states = [...firstEnd.output.matchAll(/^state: (\S+)$/gm)].map((m) => m[1]);
    expect(states.slice(0, 3)).toEqual(['idle', 'setting-up', 'active']);
    expect(states.filter((state) => state === 'active').length).toBeGreaterThanOrEqual(3);
    expect(states.slice(-2)).toEqual(['tearing-down', 'idle']);
    expect(firstEnd.output).toMatch(/^licence header: [^,\s]+,\S+$/m);
    expect(firstEnd.output).not.toMatch(/SSM error/);

    expect(secondEnd.code).toBe(0);
    expect(secondEnd.output).toMatch(/SSM error 6001: .*server code 1007/);

    const metrics = await (await fetch(new URL('/metrics', ssmServerUrl))).text();
    expect(metrics).toMatch(/^rx_ssm_live_sessions 0$/m);
  } finally {
    await first.stop();
    await second?.stop();
  }
}, 90_000);
