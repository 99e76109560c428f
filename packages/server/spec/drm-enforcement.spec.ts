import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { everyStore } from '../../../spec/support/every-store.js';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { SPEC_SECRET, type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { main } from '../src/cli/cli.js';
import type { SsmStore } from '../src/index.js';

const keys = {
  'channel-1': [
    { kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' },
    { kid: 'a2lkLXR3by0xMjM0NTY3OA', k: 'a2V5LXR3by0xMjM0NTY3OA' },
  ],
};
const licenceKeys = keys['channel-1'].map((key) => ({ kty: 'oct', ...key }));
const HEARTBEAT_SECONDS = 5;
const PERIOD_MS = HEARTBEAT_SECONDS * 1000;
const CHALLENGE = Buffer.from('widevine licence renewal challenge').toString('base64');
const refused = (status: number, errorCode: number) => ({
  status,
  body: { errorCode, message: expect.any(String) },
});

const stores = everyStore('drm:');

describe.each(stores)('DRM enforcement on the %s store', (_name, open) => {
  let spec: SpecServer;
  let store: SsmStore;
  beforeAll(async () => {
    store = open();
    spec = await startSpecServer({
      store,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      sweepIntervalMs: false,
      clearKeys: keys,
    });
  });
  afterAll(async () => {
    await spec?.server.close();
    await store?.close();
  });

  let accounts = 0;
  /** A fresh account's enforced (or not) session: its content token and first session token. */
  async function session(drmEnforced = true, maxSessions = 1) {
    accounts += 1;
    const accountId = `drm-${accounts}`;
    const contentToken = await spec.contentToken({ accountId, drmEnforced, maxSessions });
    const setup = await ssmCall(spec.base, 'setup', contentToken);
    expect(setup).toMatchObject({ status: 200, body: { heartbeat: HEARTBEAT_SECONDS } });
    return {
      accountId,
      contentToken,
      sessionToken: (setup.body as { sessionToken: string }).sessionToken,
    };
  }

  function licence(authorization: string) {
    return request(`${spec.origin}/license/clearkey`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'nv-authorizations': authorization },
      body: JSON.stringify({ kids: [], type: 'temporary' }),
    });
  }

  function renewalWv(authorization: string | undefined, body: unknown = { challenge: CHALLENGE }) {
    return request(`${spec.origin}/TENANT/ssm/v1/renewal-license-wv`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(authorization !== undefined && { 'nv-authorizations': authorization }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  const tokenOf = (response: { body: unknown }) =>
    (response.body as { sessionToken: string }).sessionToken;

  it('rotates the session token with each licence answer, which carries the next token', async () => {
    const { contentToken, sessionToken } = await session();
    const first = await licence(`${contentToken},${sessionToken}`);
    expect(first).toMatchObject({
      status: 200,
      body: { keys: licenceKeys, type: 'temporary', sessionToken: expect.any(String) },
    });
    const next = tokenOf(first);
    expect(next).not.toBe(sessionToken);

    const second = await licence(`${contentToken},${next}`);
    expect(second.status).toBe(200);
    expect(tokenOf(second)).not.toBe(next);
    // Replaced twice over, the first token is dead; replaced once, it is dead but for a repeat.
    expect(await licence(`${contentToken},${sessionToken}`)).toMatchObject(refused(401, 1003));
    expect((await ssmCall(spec.base, 'teardown', next)).status).toBe(401);
    expect(tokenOf(await licence(`${contentToken},${next}`))).toBe(tokenOf(second));
  });

  it('keeps heartbeat-mode licences as they were: no rotation, no sessionToken', async () => {
    const { contentToken, sessionToken } = await session(false);
    for (let i = 0; i < 2; i += 1) {
      const answer = await licence(`${contentToken},${sessionToken}`);
      expect(answer).toMatchObject({ status: 200 });
      expect(answer.body).toEqual({ keys: licenceKeys, type: 'temporary' });
    }
    expect((await ssmCall(spec.base, 'heartbeat', sessionToken)).status).toBe(200);
  });

  it('refuses a heartbeat for an enforced session with 409/1006 and changes nothing', async () => {
    const { accountId, contentToken, sessionToken } = await session();
    expect(await ssmCall(spec.base, 'heartbeat', sessionToken)).toMatchObject(refused(409, 1006));
    spec.advance(PERIOD_MS * 2 - 1);
    // The refused heartbeat renewed nothing: the session still dies at its first expiry.
    expect((await licence(`${contentToken},${sessionToken}`)).status).toBe(200);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
  });

  it('renews through renewal-license-wv with the session token alone or after the content token', async () => {
    const { accountId, contentToken, sessionToken } = await session();
    const renewed = await renewalWv(sessionToken);
    expect(renewed).toMatchObject({
      status: 200,
      body: { sessionToken: expect.any(String), license: expect.any(String) },
    });
    const { license } = renewed.body as { license: string };
    expect(JSON.parse(Buffer.from(license, 'base64').toString('utf8'))).toEqual({
      keys: licenceKeys,
      type: 'temporary',
    });
    const next = tokenOf(renewed);
    const again = await renewalWv(`${contentToken},${next}`);
    expect(again.status).toBe(200);
    expect(await renewalWv(sessionToken)).toMatchObject(refused(401, 1003));
    expect((await licence(`${contentToken},${tokenOf(again)}`)).status).toBe(200);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
  });

  it('answers renewal-license-wv for a heartbeat-mode session with its licence, changing nothing', async () => {
    const { sessionToken } = await session(false);
    const answer = await renewalWv(sessionToken);
    expect(answer).toMatchObject({ status: 200, body: { sessionToken } });
    const { license } = answer.body as { license: string };
    expect(JSON.parse(Buffer.from(license, 'base64').toString('utf8'))).toMatchObject({
      keys: licenceKeys,
    });
    // The session is as it was: its heartbeat still renews it with the same token.
    expect((await ssmCall(spec.base, 'heartbeat', sessionToken)).status).toBe(200);
  });

  it('refuses a renewal-license-wv request without a base64 challenge or token', async () => {
    const { sessionToken } = await session();
    for (const body of [{}, { challenge: 42 }, { challenge: 'not base64!' }, { challenge: '' }]) {
      expect(await renewalWv(sessionToken, body)).toMatchObject(refused(400, 1004));
    }
    expect(await renewalWv(sessionToken, 'not json')).toMatchObject(refused(400, 1004));
    expect(await renewalWv(undefined)).toMatchObject(refused(401, 1003));
    expect(await renewalWv('unknown-token-of-the-right-shape-00000')).toMatchObject(
      refused(401, 1003),
    );
    expect((await renewalWv(sessionToken)).status).toBe(200);
  });

  it('rotates once out of concurrent renewals with one token', async () => {
    const { accountId, contentToken, sessionToken } = await session();
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => licence(`${contentToken},${sessionToken}`)),
      ...Array.from({ length: 4 }, () => renewalWv(sessionToken)),
    ]);
    const granted = answers.filter((answer) => answer.status === 200);
    for (const answer of answers.filter((answer) => answer.status !== 200)) {
      expect(answer).toMatchObject(refused(401, 1003));
    }
    // One rotation: every answer that was granted carries the same next token.
    const nextTokens = new Set(granted.map(tokenOf));
    expect(nextTokens.size).toBe(1);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
    const [next] = nextTokens;
    expect((await licence(`${contentToken},${next}`)).status).toBe(200);
  });

  it('lives on licence renewals alone for many periods, and expires without them', async () => {
    const { accountId, contentToken, sessionToken } = await session();
    let current = sessionToken;
    for (let period = 0; period < 20; period += 1) {
      spec.advance(PERIOD_MS);
      const renewal = period % 2 === 0 ? licence(`${contentToken},${current}`) : renewalWv(current);
      const answer = await renewal;
      expect(answer.status).toBe(200);
      current = tokenOf(answer);
    }
    expect(await spec.server.liveSessions(accountId)).toBe(1);
    spec.advance(PERIOD_MS * 2);
    expect(await spec.server.liveSessions(accountId)).toBe(0);
    expect(await licence(`${contentToken},${current}`)).toMatchObject(refused(401, 1003));
    expect((await ssmCall(spec.base, 'setup', contentToken)).status).toBe(200);
  });

  it('frees the slot on teardown with the newest token', async () => {
    const { accountId, contentToken, sessionToken } = await session();
    expect((await ssmCall(spec.base, 'setup', contentToken)).status).toBe(403);
    const next = tokenOf(await licence(`${contentToken},${sessionToken}`));
    expect((await ssmCall(spec.base, 'teardown', next)).status).toBe(200);
    expect(await spec.server.liveSessions(accountId)).toBe(0);
    expect((await ssmCall(spec.base, 'setup', contentToken)).status).toBe(200);
  });

  it('refuses an enforced session of another account at the licence endpoint, rotating nothing', async () => {
    const alice = await session();
    const bob = await session();
    expect(await licence(`${alice.contentToken},${bob.sessionToken}`)).toMatchObject(
      refused(403, 1003),
    );
    expect((await licence(`${bob.contentToken},${bob.sessionToken}`)).status).toBe(200);
  });
});

describe('rx-ssm token --drm-enforced', () => {
  let spec: SpecServer;
  afterEach(async () => {
    await spec?.server.close();
  });

  it('mints a token whose sessions are renewed by licence requests', async () => {
    spec = await startSpecServer({ clearKeys: keys });
    let out = '';
    const io = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => 0 } };
    const argv = ['token', '--account', 'cli', '--content', 'channel-1', '--secret', SPEC_SECRET];
    expect(await main(['node', 'rx-ssm', ...argv, '--drm-enforced'], io)).toBe(0);
    const contentToken = out.trim();
    const setup = await ssmCall(spec.base, 'setup', contentToken);
    const sessionToken = (setup.body as { sessionToken: string }).sessionToken;
    expect(await ssmCall(spec.base, 'heartbeat', sessionToken)).toMatchObject(refused(409, 1006));

    let help = '';
    const helpIo = { ...io, stdout: { write: (text: string) => (help += text) } };
    expect(await main(['node', 'rx-ssm', 'token', '--help'], helpIo)).toBe(0);
    expect(help).toContain('--drm-enforced');
  });
});
