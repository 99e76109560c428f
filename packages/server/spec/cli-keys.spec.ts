// `rx-ssm keys generate`, `rx-ssm token --key` and `rx-ssm serve --jwks-file`: the private key
// stays with whoever mints, the server gets only public keys and says which sources it trusts.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ssmCall } from '../../../spec/support/ssm-http.js';
import { main } from '../src/cli/cli.js';

function capture() {
  const text = { out: '', err: '' };
  return {
    text,
    io: {
      stdout: { write: (chunk: string) => (text.out += chunk) },
      stderr: { write: (chunk: string) => (text.err += chunk) },
    },
  };
}

async function run(...args: string[]) {
  const { io, text } = capture();
  const code = await main(['node', 'rx-ssm', ...args], io);
  return { code, ...text };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rx-ssm-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `serve` with `flags` until the callback is done; the banner and the base URL are given. */
async function serving(flags: string[], use: (base: string, banner: string) => Promise<void>) {
  const { io, text } = capture();
  const stop = new AbortController();
  const running = main(
    ['node', 'rx-ssm', 'serve', '--port', '0', '--log-format', 'json', ...flags],
    { ...io, signal: stop.signal },
  );
  try {
    await vi.waitFor(() => expect(text.out).toContain('listening on'), { timeout: 5000 });
    const url = /listening on (http:\/\/\S+)/.exec(text.out)?.[1] ?? '';
    await use(`${url}/ssm/v1`, text.out);
  } finally {
    stop.abort();
    expect(await running).toBe(0);
  }
}

describe('rx-ssm keys generate', () => {
  it.each(['ES256', 'RS256', 'EdDSA'])(
    '--alg %s writes a private JWK only its owner reads and adds the public key to jwks.json',
    async (alg) => {
      const out = join(dir, `gen-${alg}`);
      const first = await run('keys', 'generate', '--alg', alg, '--out', out);
      expect(first).toMatchObject({ code: 0, err: '' });
      const second = await run('keys', 'generate', '--alg', alg, '--out', out);
      expect(second.code).toBe(0);
      const files = (await readdir(out)).sort();
      const privateFiles = files.filter((f) => f.endsWith('.private.jwk'));
      expect(privateFiles).toHaveLength(2);
      for (const file of privateFiles) {
        expect((await stat(join(out, file))).mode & 0o777).toBe(0o600);
        const jwk = JSON.parse(await readFile(join(out, file), 'utf8'));
        expect(jwk).toMatchObject({
          alg,
          kid: file.replace('.private.jwk', ''),
          d: expect.any(String),
        });
      }
      expect((await stat(join(out, 'jwks.json'))).mode & 0o777).toBe(0o644);
      const { keys } = JSON.parse(await readFile(join(out, 'jwks.json'), 'utf8'));
      // Both keys published (a rotation), neither with its private part.
      expect(keys.map((k: { kid: string }) => `${k.kid}.private.jwk`).sort()).toEqual(privateFiles);
      expect(keys.every((k: Record<string, unknown>) => !('d' in k) && k.alg === alg)).toBe(true);
    },
  );

  it.each([
    [
      ['keys', 'generate', '--alg', 'HS256', '--out', 'x'],
      /^error: option '--alg <alg>' argument 'HS256' is invalid/,
    ],
    [['keys', 'generate', '--alg', 'ES256'], /^error: required option '--out <dir>' not specified/],
    [
      ['serve', '--clock-skew', 'soon'],
      /^error: option '--clock-skew <seconds>' argument 'soon' is invalid/,
    ],
    [
      ['serve', '--jwks-url', 'http://keys.example.com/jwks.json'],
      /^error: option '--jwks-url <url>' argument .* plain http only to a loopback address/,
    ],
    [
      ['token', '--account', 'a', '--content', 'c', '--key', 'k.jwk', '--secret', 's'],
      /^error: option '--key <file>' cannot be used with option '--secret <secret>'/,
    ],
  ])('a flag error is one line naming the flag, then the hint: %j', async (args, line) => {
    const result = await run(...args);
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(line);
    const lines = result.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('(add --help for the flags)');
    expect(result.out).toBe('');
  });

  it('serve --jwks-file and token --key name the flag and the cause of a bad file', async () => {
    expect(await run('serve', '--port', '0', '--jwks-file', join(dir, 'none.json'))).toMatchObject({
      code: 1,
      err: `rx-ssm: --jwks-file ${join(dir, 'none.json')}: no such file\n`,
    });
    const out = join(dir, 'bad');
    await run('keys', 'generate', '--out', out);
    const [privateFile] = (await readdir(out)).filter((f) => f.endsWith('.private.jwk'));
    // A private key given to the server as its JWKS is refused: the server must hold public keys only.
    const asJwks = await run('serve', '--port', '0', '--jwks-file', join(out, privateFile ?? ''));
    expect(asJwks.code).toBe(1);
    expect(asJwks.err).toMatch(/^rx-ssm: --jwks-file .*: not a JWKS/);
    const asKey = await run(
      'token',
      '--account',
      'a',
      '--content',
      'c',
      '--key',
      join(out, 'jwks.json'),
    );
    expect(asKey).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^rx-ssm: --key .*: not a private JWK/),
    });
  });
});

describe('rx-ssm serve --jwks-file with rx-ssm token --key', () => {
  it('accepts the key’s tokens, checks --issuer and --audience, and the banner names the sources but no key', async () => {
    const out = join(dir, 'serve');
    await run('keys', 'generate', '--alg', 'ES256', '--out', out);
    const [privateFile = ''] = (await readdir(out)).filter((f) => f.endsWith('.private.jwk'));
    const key = join(out, privateFile);
    const privateJwk = JSON.parse(await readFile(key, 'utf8'));
    const mint = async (...flags: string[]) =>
      (await run('token', '--account', 'a', '--content', 'c', '--key', key, ...flags)).out.trim();
    const good = await mint('--issuer', 'https://tokens.example', '--audience', 'ssm');
    const otherIssuer = await mint('--issuer', 'https://elsewhere.example', '--audience', 'ssm');
    const otherAudience = await mint('--issuer', 'https://tokens.example', '--audience', 'cdn');
    const devSecret = (await run('token', '--account', 'a', '--content', 'c')).out.trim();
    const flags = [
      '--jwks-file',
      join(out, 'jwks.json'),
      '--issuer',
      'https://tokens.example',
      '--audience',
      'ssm',
    ];
    await serving(flags, async (base, banner) => {
      expect(banner).toContain(
        `Content tokens trusted from: --jwks-file ${join(out, 'jwks.json')}`,
      );
      expect(banner).toContain('Checked: iss "https://tokens.example", aud "ssm", clock skew 30 s');
      expect(banner).toContain('--key YOUR_PRIVATE_KEY.jwk');
      for (const part of [privateJwk.d, privateJwk.x, privateJwk.y])
        expect(banner).not.toContain(part);
      expect((await ssmCall(base, 'setup', good)).status).toBe(200);
      for (const [token, why] of [
        [otherIssuer, 'another issuer'],
        [otherAudience, 'another audience'],
        [devSecret, ''],
      ] as const) {
        expect(await ssmCall(base, 'setup', token)).toMatchObject({
          status: 401,
          body: { errorCode: 1002, message: expect.stringContaining(why) },
        });
      }
    });
  });

  it('help says which flags go together', async () => {
    const serveHelp = (await run('serve', '--help')).out.replace(/\s+/g, ' ');
    expect(serveHelp).toContain('--secret or --secret-file (HS256) and/or --jwks-file, --jwks-url');
    expect(serveHelp).toMatch(/--jwks-file <file>.*goes with or without --secret and --jwks-url/);
    expect(serveHelp).toMatch(/--clock-skew <seconds>.*\(default: 30\)/);
    const tokenHelp = (await run('token', '--help')).out.replace(/\s+/g, ' ');
    expect(tokenHelp).toMatch(/--key <file>.*not with --secret or --secret-file/);
    expect(tokenHelp).toContain('--issuer and --audience as the server checks them');
  });
});
