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

  it('serve prints the ssmServerUrl an app puts in its sources, and the server answers there', async () => {
    const { io, text } = capture();
    const stop = new AbortController();
    const running = main(['node', 'rx-ssm', 'serve', '--port', '0'], {
      ...io,
      signal: stop.signal,
    });
    await vi.waitFor(() => expect(text.out).toContain('ssmServerUrl'), { timeout: 5000 });
    const ssmServerUrl =
      /ssmServerUrl for the SDK's sources: (http:\/\/127\.0\.0\.1:\d+\/ssm)\n/.exec(text.out)?.[1];
    expect(ssmServerUrl).toBeDefined();
    // A setup there without a token is the server's own 401/1001, not a 404.
    const setup = await fetch(`${ssmServerUrl}/v1/sessions/setup`, { method: 'POST', body: '{}' });
    expect(setup.status).toBe(401);
    expect(await setup.json()).toMatchObject({ errorCode: 1001 });
    stop.abort();
    expect(await running).toBe(0);
  });

  it.each([
    [
      ['serve', '--port', 'abc'],
      /^error: option '--port <port>' argument 'abc' is invalid\. expected an integer from 0 to 65535\n/,
    ],
    [['serve', '--prot', '1'], /^error: unknown option '--prot'\n/],
    [['token', '--content', 'c'], /^error: required option '--account <id>' not specified\n/],
    [
      ['serve', '--redis', 'notaurl'],
      /^error: option '--redis <url>' argument 'notaurl' is invalid\. expected a redis:\/\/ or rediss:\/\/ URL/,
    ],
    [
      ['serve', '--redis-cluster', 'a,b'],
      /^error: option '--redis-cluster <nodes>' argument 'a,b' is invalid\. expected host:port/,
    ],
  ])(
    'a flag error is one line naming the flag, and where the flags are: %j',
    async (args, line) => {
      const { io, text } = capture();
      expect(await main(['node', 'rx-ssm', ...args], io)).not.toBe(0);
      expect(text.err).toMatch(line);
      // The error, commander's guess at a misspelt flag (if any), and the hint: never the help.
      const lines = text.err.trim().split('\n');
      expect(lines.length).toBeLessThanOrEqual(3);
      expect(lines.at(-1)).toBe('(add --help for the flags)');
      expect(text.out).toBe('');
      expect(text.err).not.toMatch(/Usage:|listening/);
    },
  );

  it.each([
    ['serve', '/nonexistent/secret', 'no such file'],
    ['token', '/nonexistent/secret', 'no such file'],
    ['serve', '/', 'is a directory, not a file'],
  ])(
    '%s --secret-file %s names the flag and the cause, and starts nothing',
    async (command, file, cause) => {
      const { io, text } = capture();
      const args = command === 'token' ? ['--account', 'a', '--content', 'c'] : ['--port', '0'];
      expect(await main(['node', 'rx-ssm', command, ...args, '--secret-file', file], io)).toBe(1);
      expect(text.err).toBe(`rx-ssm: --secret-file ${file}: ${cause}\n`);
      expect(text.out).toBe('');
    },
  );
});
