import { afterEach, describe, expect, it } from 'vitest';
import { createSsmServer, memoryStore } from '../../src/server/index.js';
import { request, ssmCall } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

const error = (errorCode: number) => ({ errorCode, message: expect.any(String) });

describe('setup', () => {
  it('answers a session token and the heartbeat period', async () => {
    spec = await startSpecServer();
    const response = await ssmCall(spec.base, 'setup', await spec.contentToken());
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({
      sessionToken: expect.stringMatching(/^[\w-]{45}$/),
      heartbeat: 5,
      sessionId: expect.stringMatching(/^s\.[\w-]{22}$/),
    });
    expect(await spec.server.liveSessions('alice')).toBe(1);
  });

  it.each(['/v1', '/ssm/v1', '/TENANT/ssm/v1'])('is served under the prefix %s', async (prefix) => {
    spec = await startSpecServer();
    const response = await ssmCall(`${spec.origin}${prefix}`, 'setup', await spec.contentToken());
    expect(response.status).toBe(200);
  });

  it('returns the configured heartbeat period', async () => {
    spec = await startSpecServer({ heartbeatSeconds: 30 });
    const response = await ssmCall(spec.base, 'setup', await spec.contentToken());
    expect(response.body).toMatchObject({ heartbeat: 30 });
  });

  it('refuses the session past the account limit with 403/1007', async () => {
    spec = await startSpecServer();
    const token = await spec.contentToken({ maxSessions: 2 });
    expect((await ssmCall(spec.base, 'setup', token)).status).toBe(200);
    expect((await ssmCall(spec.base, 'setup', token)).status).toBe(200);
    const refused = await ssmCall(spec.base, 'setup', token);
    expect(refused).toMatchObject({ status: 403, body: error(1007) });
    const other = await ssmCall(spec.base, 'setup', await spec.contentToken({ accountId: 'bob' }));
    expect(other.status).toBe(200);
  });

  it('counts no slot for content without session control', async () => {
    spec = await startSpecServer();
    const token = await spec.contentToken({ maxSessions: 1, sessionControlEnabled: false });
    for (let i = 0; i < 3; i += 1) {
      expect(await ssmCall(spec.base, 'setup', token)).toMatchObject({
        status: 200,
        body: { sessionToken: expect.any(String), heartbeat: 5 },
      });
    }
    expect(await spec.server.liveSessions('alice')).toBe(0);
  });

  it('accepts a content token followed by an opaque second part', async () => {
    spec = await startSpecServer();
    const response = await ssmCall(spec.base, 'setup', `${await spec.contentToken()},opaque-part`);
    expect(response.status).toBe(200);
  });

  it('reads the token from a configured header', async () => {
    spec = await startSpecServer({ tokenHeader: 'X-Custom-Token' });
    const token = await spec.contentToken();
    expect((await ssmCall(spec.base, 'setup', token, 'x-custom-token')).status).toBe(200);
    expect(await ssmCall(spec.base, 'setup', token)).toMatchObject({
      status: 401,
      body: error(1001),
    });
  });

  it('verifies tokens signed with any of several keys, picked by kid', async () => {
    spec = await startSpecServer({
      secret: undefined,
      keys: { k1: 'first-secret', k2: 'second-secret' },
    });
    const signedBy = (kid: string, secret: string) => spec.contentToken({ kid, secret });
    expect((await ssmCall(spec.base, 'setup', await signedBy('k2', 'second-secret'))).status).toBe(
      200,
    );
    expect(await ssmCall(spec.base, 'setup', await signedBy('k1', 'second-secret'))).toMatchObject({
      status: 401,
      body: error(1002),
    });
  });
});

describe('heartbeat', () => {
  it('rotates the session token; the replaced token is refused with 401/1003 but for a repeat', async () => {
    spec = await startSpecServer();
    const setup = await ssmCall(spec.base, 'setup', await spec.contentToken());
    const first = (setup.body as { sessionToken: string }).sessionToken;
    const renewed = await ssmCall(spec.base, 'heartbeat', first);
    expect(renewed).toMatchObject({
      status: 200,
      body: { sessionToken: expect.any(String), heartbeat: 5 },
    });
    const second = (renewed.body as { sessionToken: string }).sessionToken;
    expect(second).not.toBe(first);
    // The same heartbeat repeated (its answer was lost) gets the same answer again...
    expect(await ssmCall(spec.base, 'heartbeat', first)).toMatchObject({
      status: 200,
      body: { sessionToken: second, heartbeat: 5 },
    });
    // ...but any other use of the replaced token is refused.
    expect(await ssmCall(spec.base, 'teardown', first)).toMatchObject({
      status: 401,
      body: error(1003),
    });
    expect((await ssmCall(spec.base, 'heartbeat', second)).status).toBe(200);
    expect(await ssmCall(spec.base, 'heartbeat', first)).toMatchObject({
      status: 401,
      body: error(1003),
    });
    expect(await spec.server.liveSessions('alice')).toBe(1);
  });

  it('rotates once when heartbeats with one token race: every answer has the same next token', async () => {
    spec = await startSpecServer();
    const setup = await ssmCall(spec.base, 'setup', await spec.contentToken());
    const token = (setup.body as { sessionToken: string }).sessionToken;
    const answers = await Promise.all([0, 1, 2].map(() => ssmCall(spec.base, 'heartbeat', token)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const next = new Set(
      answers.map((answer) => (answer.body as { sessionToken: string }).sessionToken),
    );
    expect(next.size).toBe(1);
    expect(await spec.server.liveSessions('alice')).toBe(1);
  });
});

describe('teardown', () => {
  it('frees the slot, after which the token is refused', async () => {
    spec = await startSpecServer();
    const contentToken = await spec.contentToken({ maxSessions: 1 });
    const setup = await ssmCall(spec.base, 'setup', contentToken);
    const token = (setup.body as { sessionToken: string }).sessionToken;
    expect(await ssmCall(spec.base, 'teardown', token)).toMatchObject({ status: 200, body: {} });
    expect(await spec.server.liveSessions('alice')).toBe(0);
    expect((await ssmCall(spec.base, 'setup', contentToken)).status).toBe(200);
    expect(await ssmCall(spec.base, 'teardown', token)).toMatchObject({
      status: 401,
      body: error(1003),
    });
  });
});

describe('the server', () => {
  it('delays every SSM response by responseDelayMs', async () => {
    spec = await startSpecServer({ responseDelayMs: 80 });
    const started = performance.now();
    const response = await ssmCall(spec.base, 'setup', await spec.contentToken());
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('has no url before listen, and closes more than once', async () => {
    const server = createSsmServer({ logger: false });
    expect(() => server.url).toThrow(/listen/);
    const origin = await server.listen();
    expect(server.url).toBe(origin);
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await Promise.all([server.close(), server.close()]);
    await expect(request(`${origin}/healthz`)).rejects.toThrow();
  });

  it('closes the store it created, and leaves a given store open', async () => {
    const store = memoryStore();
    const server = createSsmServer({ logger: false, store });
    await server.listen();
    await server.close();
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('rejects a heartbeat period that is not a positive number', () => {
    expect(() => createSsmServer({ logger: false, heartbeatSeconds: 0 })).toThrow(RangeError);
  });
});
