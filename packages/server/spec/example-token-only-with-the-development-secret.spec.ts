// Regression: `rx-ssm serve --secret …` printed an example content token signed with the real
// secret, a working credential in every terminal scrollback and CI log. The banner now shows a
// token only with the development secret, which anyone can mint with anyway.
import { expect, it, vi } from 'vitest';
import { main } from '../src/cli/cli.js';
import { serveBanner } from '../src/cli/serve-banner.js';

const JWS = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

async function serve(args: string[]) {
  let out = '';
  const io = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => 0 } };
  const stop = new AbortController();
  const running = main(['node', 'rx-ssm', 'serve', '--port', '0', ...args], {
    ...io,
    signal: stop.signal,
  });
  await vi.waitFor(() => expect(out).toContain('listening on'), { timeout: 5000 });
  await vi.waitFor(() => expect(out).toContain('teardown'), { timeout: 5000 });
  stop.abort();
  expect(await running).toBe(0);
  return out;
}

it('prints no token when the server has a configured secret', async () => {
  const out = await serve(['--secret', 'a-configured-secret-of-32-bytes!!']);
  expect(out).not.toMatch(JWS);
  expect(out).not.toContain('a-configured-secret');
  expect(out).toMatch(/TOKEN=\$\(npx rx-ssm token .*--secret-file/);
});

it('prints a working token with the development secret', async () => {
  const out = await serve([]);
  expect(out).toMatch(JWS);
  expect(out).toContain('development secret');
});

it('builds the banner without a token from its input alone', () => {
  const banner = serveBanner({
    url: 'http://127.0.0.1:1',
    tokenHeader: 'nv-authorizations',
    accountId: 'example',
    contentId: 'channel-1',
    maxSessions: 2,
    ttlSeconds: 60,
  });
  expect(banner).not.toMatch(JWS);
  expect(banner).toContain("npx rx-ssm token --account 'example' --content 'channel-1'");
});
