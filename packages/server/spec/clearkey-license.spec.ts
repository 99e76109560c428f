import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';

const keys = {
  'channel-1': [
    { kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' },
    { kid: 'a2lkLXR3by0xMjM0NTY3OA', k: 'a2V5LXR3by0xMjM0NTY3OA' },
  ],
};

let spec: SpecServer;
beforeEach(async () => {
  spec = await startSpecServer({ clearKeys: keys });
});
afterEach(async () => {
  await spec.server.close();
});

function license(
  authorization: string | undefined,
  body: unknown = { kids: [], type: 'temporary' },
) {
  return request(`${spec.origin}/license/clearkey`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(authorization !== undefined && { 'nv-authorizations': authorization }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function session(overrides = {}) {
  const contentToken = await spec.contentToken(overrides);
  const { body } = await ssmCall(spec.base, 'setup', contentToken);
  return { contentToken, sessionToken: (body as { sessionToken: string }).sessionToken };
}

describe('POST /license/clearkey', () => {
  it('answers the keys of the content for a live session', async () => {
    const { contentToken, sessionToken } = await session();
    const response = await license(`${contentToken},${sessionToken}`);
    expect(response).toMatchObject({
      status: 200,
      body: {
        type: 'temporary',
        keys: keys['channel-1'].map((key) => ({ kty: 'oct', ...key })),
      },
    });
  });

  it('answers only the requested kids', async () => {
    const { contentToken, sessionToken } = await session();
    const kid = keys['channel-1'][1]!.kid;
    const response = await license(`${contentToken},${sessionToken}`, {
      kids: [kid],
      type: 'temporary',
    });
    expect(response.body).toEqual({
      type: 'temporary',
      keys: [{ kty: 'oct', ...keys['channel-1'][1] }],
    });
  });

  it('answers no key for content without configured keys', async () => {
    const { contentToken, sessionToken } = await session({ contentId: 'channel-2' });
    expect((await license(`${contentToken},${sessionToken}`)).body).toEqual({
      type: 'temporary',
      keys: [],
    });
  });

  it('follows the session: refused once it is renewed away, torn down or expired', async () => {
    const { contentToken, sessionToken } = await session();
    const renewed = await ssmCall(spec.base, 'heartbeat', sessionToken);
    const next = (renewed.body as { sessionToken: string }).sessionToken;
    expect(await license(`${contentToken},${sessionToken}`)).toMatchObject({
      status: 401,
      body: { errorCode: 1003 },
    });
    expect((await license(`${contentToken},${next}`)).status).toBe(200);
    spec.advance(10_000);
    expect(await license(`${contentToken},${next}`)).toMatchObject({
      status: 401,
      body: { errorCode: 1003 },
    });
  });

  it('refuses a session of another account or content with 403/1003', async () => {
    const alice = await session();
    const bob = await session({ accountId: 'bob' });
    const otherContent = await session({ contentId: 'channel-2' });
    for (const sessionToken of [bob.sessionToken, otherContent.sessionToken]) {
      expect(await license(`${alice.contentToken},${sessionToken}`)).toMatchObject({
        status: 403,
        body: { errorCode: 1003, message: expect.any(String) },
      });
    }
  });

  it('needs a session for content under session control, none for content without', async () => {
    const gated = await spec.contentToken();
    expect(await license(gated)).toMatchObject({ status: 401, body: { errorCode: 1003 } });
    const open = await spec.contentToken({ sessionControlEnabled: false });
    expect((await license(open)).status).toBe(200);
  });

  it('refuses a bad content token and a malformed licence request', async () => {
    const { contentToken, sessionToken } = await session();
    expect(await license(`forged,${sessionToken}`)).toMatchObject({
      status: 401,
      body: { errorCode: 1001 },
    });
    expect(await license(`${contentToken},${sessionToken}`, 'not json')).toMatchObject({
      status: 400,
      body: { errorCode: 1004 },
    });
    expect(await license(`${contentToken},${sessionToken}`, { kids: 'all' })).toMatchObject({
      status: 400,
      body: { errorCode: 1004 },
    });
  });
});
