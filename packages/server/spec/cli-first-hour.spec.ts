import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/cli.js';
import { cliLogger } from '../src/cli/cli-logger.js';
import { packageVersion } from '../src/cli/package-version.js';

function capture(isTTY = false) {
  const text = { out: '', err: '' };
  return {
    text,
    io: {
      stdout: { write: (chunk: string) => (text.out += chunk) },
      stderr: { write: (chunk: string) => (text.err += chunk), isTTY },
    },
  };
}

const manifest = (path: string) =>
  JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string };

describe('the rx-ssm command in its first hour', () => {
  it('--version prints the version of the packages (rx-ssm and rx-ssm-server share one)', async () => {
    const { io, text } = capture();
    expect(await main(['node', 'rx-ssm', '--version'], io)).toBe(0);
    expect(text.out.trim()).toBe(manifest('../../rx-ssm/package.json').version);
    expect(manifest('../package.json').version).toBe(packageVersion());
  });

  it('token --help marks --account and --content as required', async () => {
    const { io, text } = capture();
    expect(await main(['node', 'rx-ssm', 'token', '--help'], io)).toBe(0);
    expect(text.out).toMatch(/--account <id>\s+account id \(device\.accountId\) \(required\)/);
    expect(text.out).toMatch(/--content <id>.*\(required\)/);
  });

  it('serve logs readable lines to a terminal and JSON lines otherwise', async () => {
    for (const [isTTY, format, json] of [
      [true, undefined, false],
      [false, undefined, true],
      [false, 'pretty', false],
      [true, 'json', true],
    ] as const) {
      const { io, text } = capture(isTTY);
      const stop = new AbortController();
      const argv = ['node', 'rx-ssm', 'serve', '--port', '0', '--no-example'];
      if (format) argv.push('--log-format', format);
      const running = main(argv, { ...io, signal: stop.signal });
      await vi.waitFor(() => expect(text.err).toMatch(/SSM server listening/), { timeout: 5000 });
      stop.abort();
      expect(await running).toBe(0);
      const first = text.err.split('\n')[0] ?? '';
      expect(first.startsWith('{'), `${isTTY} ${format}: ${first}`).toBe(json);
      if (!json) expect(first).toMatch(/WARN.*development secret/);
    }
  });

  it('the pretty logger writes one readable line per log line', () => {
    const lines: string[] = [];
    const logger = cliLogger({ write: (text) => lines.push(text) }, 'pretty');
    logger.info({ url: 'http://127.0.0.1:1' }, 'listening');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO.*listening/);
    expect(lines[0]).not.toMatch(/^\{/);
  });

  it('the example commands use the same /ssm/v1 prefix as the README', async () => {
    const { io, text } = capture();
    const stop = new AbortController();
    const running = main(['node', 'rx-ssm', 'serve', '--port', '0'], {
      ...io,
      signal: stop.signal,
    });
    await vi.waitFor(() => expect(text.out).toContain('listening on'), { timeout: 5000 });
    stop.abort();
    await running;
    expect(text.out).toMatch(
      /curl -s -X POST 'http:\/\/127\.0\.0\.1:\d+\/ssm\/v1\/sessions\/setup'/,
    );
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('/ssm/v1');
  });
});
