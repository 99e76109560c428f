import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/server/cli.js';
import { createSsmServer, type SsmServer } from '../../src/server/index.js';
import { request, ssmCall } from '../support/ssm-http.js';

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

let dir: string;
let devServer: SsmServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rx-ssm-cli-'));
  devServer = createSsmServer({ logger: false });
  await devServer.listen();
});
afterAll(async () => {
  await devServer.close();
  await rm(dir, { recursive: true, force: true });
});

describe('rx-ssm token', () => {
  it('prints a token the server with the development secret accepts, warning on stderr', async () => {
    const { io, text } = capture();
    expect(await main(['node', 'rx-ssm', 'token', '--account', 'a', '--content', 'c'], io)).toBe(0);
    const token = text.out.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(text.err).toMatch(/development secret/);
    expect((await ssmCall(`${devServer.url}/v1`, 'setup', token)).status).toBe(200);
  });

  it('signs with --secret-file, which the server with that secret accepts', async () => {
    const file = join(dir, 'secret');
    await writeFile(file, 'file-secret-of-thirty-two-bytes!!\n');
    const { io, text } = capture();
    const argv = [
      'node',
      'rx-ssm',
      'token',
      '--account',
      'a',
      '--content',
      'c',
      '--secret-file',
      file,
      '--max-sessions',
      '1',
    ];
    expect(await main(argv, io)).toBe(0);
    expect(text.err).toBe('');
    const server = createSsmServer({ logger: false, secret: 'file-secret-of-thirty-two-bytes!!' });
    const base = `${await server.listen()}/v1`;
    expect((await ssmCall(base, 'setup', text.out.trim())).status).toBe(200);
    expect((await ssmCall(base, 'setup', text.out.trim())).body).toMatchObject({ errorCode: 1007 });
    expect((await ssmCall(`${devServer.url}/v1`, 'setup', text.out.trim())).body).toMatchObject({
      errorCode: 1002,
    });
    await server.close();
  });

  it('writes the concurrency policy flags into the token, which the server then enforces', async () => {
    const { io, text } = capture();
    const argv = ['node', 'rx-ssm', 'token', '--account', 'policy', '--content', 'f1'];
    const flags = ['--max-sessions', '5', '--max-devices', '2', '--max-per-content', '3'];
    const group = [
      '--content-group',
      'sports',
      '--max-per-group',
      '1',
      '--on-limit',
      'evict-oldest',
    ];
    expect(await main([...argv, ...flags, ...group], io)).toBe(0);
    const token = text.out.trim();
    const [, payload = ''] = token.split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({
      contentRights: [
        {
          contentId: 'f1',
          sessionControl: {
            maxSessions: 5,
            maxDevices: 2,
            maxSessionsPerContent: 3,
            contentGroup: 'sports',
            maxSessionsPerGroup: 1,
            onLimit: 'evict-oldest',
          },
        },
      ],
    });
    const base = `${devServer.url}/v1`;
    const first = (await ssmCall(base, 'setup', token)).body as { sessionId: string };
    // One per group, evict-oldest: the second setup ends the first.
    expect((await ssmCall(base, 'setup', token)).body).toMatchObject({
      evicted: [{ sessionId: first.sessionId, contentId: 'f1' }],
    });
  });

  it('refuses a bad --on-limit and --max-per-group without --content-group', async () => {
    const argv = ['node', 'rx-ssm', 'token', '--account', 'a', '--content', 'c'];
    const mode = capture();
    expect(await main([...argv, '--on-limit', 'drop-newest'], mode.io)).not.toBe(0);
    expect(mode.text.err).toMatch(/deny, evict-oldest/);
    const group = capture();
    expect(await main([...argv, '--max-per-group', '1'], group.io)).not.toBe(0);
    expect(group.text.err).toMatch(/--max-per-group needs --content-group/);
    const count = capture();
    expect(await main([...argv, '--max-devices', '-1'], count.io)).not.toBe(0);
    expect(count.text.err).toMatch(/--max-devices/);
  });

  it('refuses --secret with --secret-file, and a missing account', async () => {
    const both = capture();
    const argv = [
      'node',
      'rx-ssm',
      'token',
      '--account',
      'a',
      '--content',
      'c',
      '--secret',
      's',
      '--secret-file',
      'f',
    ];
    expect(await main(argv, both.io)).not.toBe(0);
    expect(both.text.err).toMatch(/cannot be used with/);
    const missing = capture();
    expect(await main(['node', 'rx-ssm', 'token', '--content', 'c'], missing.io)).not.toBe(0);
    expect(missing.text.err).toMatch(/--account/);
  });
});

describe('rx-ssm serve', () => {
  it.each(['serve', 'token'])('%s --help prints its options and exits 0', async (command) => {
    const { io, text } = capture();
    expect(await main(['node', 'rx-ssm', command, '--help'], io)).toBe(0);
    expect(text.out).toContain(`Usage: rx-ssm ${command}`);
    expect(text.out).toContain('--secret-file');
    if (command === 'serve')
      expect(text.out).toMatch(
        /--port[\s\S]*--redis[\s\S]*--heartbeat[\s\S]*--clearkey-file[\s\S]*--cors/,
      );
  });

  it('refuses a port that is not a port', async () => {
    const { io, text } = capture();
    expect(await main(['node', 'rx-ssm', 'serve', '--port', 'http'], io)).not.toBe(0);
    expect(text.err).toMatch(/--port/);
  });

  it('serves until stopped, printing a working example token and curl commands', async () => {
    const keysFile = join(dir, 'clearkeys.json');
    await writeFile(keysFile, JSON.stringify({ 'channel-1': [{ kid: 'a2lk', k: 'a2V5' }] }));
    const { io, text } = capture();
    const stop = new AbortController();
    const argv = [
      'node',
      'rx-ssm',
      'serve',
      '--port',
      '0',
      '--heartbeat',
      '3',
      '--clearkey-file',
      keysFile,
    ];
    const running = main(argv, { ...io, signal: stop.signal });
    await vi.waitFor(() => expect(text.out).toContain('listening on'), { timeout: 5000 });

    const url = /listening on (http:\/\/\S+)/.exec(text.out)?.[1] ?? '';
    const token = /^TOKEN='([^']+)'$/m.exec(text.out)?.[1] ?? '';
    expect(text.out).toContain(`curl -s -X POST '${url}/ssm/v1/sessions/setup'`);
    expect(text.out).toMatch(/sessions\/heartbeat[\s\S]*sessions\/teardown/);
    const setup = await ssmCall(`${url}/v1`, 'setup', token);
    expect(setup).toMatchObject({ status: 200, body: { heartbeat: 3 } });
    const sessionToken = (setup.body as { sessionToken: string }).sessionToken;
    const license = await request(`${url}/license/clearkey`, {
      method: 'POST',
      headers: { 'nv-authorizations': `${token},${sessionToken}` },
      body: '{"kids":["a2lk"]}',
    });
    expect(license.body).toMatchObject({ keys: [{ kty: 'oct', kid: 'a2lk', k: 'a2V5' }] });
    expect(text.err).toMatch(/"level":40.*development secret/);
    expect(text.err).not.toContain(sessionToken);

    stop.abort();
    expect(await running).toBe(0);
    await expect(request(`${url}/healthz`)).rejects.toThrow();
  });

  it('fails with a message for a clearkey file of the wrong shape', async () => {
    const keysFile = join(dir, 'bad-keys.json');
    await writeFile(keysFile, JSON.stringify({ 'channel-1': 'not-a-list' }));
    const { io, text } = capture();
    expect(
      await main(['node', 'rx-ssm', 'serve', '--port', '0', '--clearkey-file', keysFile], io),
    ).toBe(1);
    expect(text.err).toMatch(/bad-keys\.json is not a JSON object/);
  });
});
