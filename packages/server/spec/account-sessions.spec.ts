import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyStore } from '../../../spec/support/every-store.js';
import {
  listSessions,
  request,
  type SpecResponse,
  setupWith,
  ssmCall,
  stopSession,
} from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { mintContentToken, type SsmStore } from '../src/index.js';

const keys = {
  'channel-1': [{ kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' }],
};
const CHALLENGE = Buffer.from('widevine licence renewal challenge').toString('base64');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const refusal = (status: number, errorCode: number, extra: Record<string, unknown> = {}) => ({
  status,
  body: { errorCode, message: expect.any(String), ...extra },
});

let serial = 0;
/** An account no other test of the file uses. */
function account(): string {
  serial += 1;
  return `acct-${Date.now()}-${serial}`;
}

type Setup = { sessionToken: string; sessionId: string; evicted?: unknown[] };
const setupOf = (response: SpecResponse) => response.body as Setup;

const stores = everyStore('account-sessions:');

describe.each(stores)('the account’s sessions on the %s store', (_name, open) => {
  let spec: SpecServer;
  let store: SsmStore;
  beforeAll(async () => {
    store = open();
    spec = await startSpecServer({ store, sweepIntervalMs: false, clearKeys: keys });
  });
  afterAll(async () => {
    await spec?.server.close();
    await store?.close();
  });

  it('answers a sessionId and lists the session by device name and type, never a token or a device id', async () => {
    const accountId = account();
    const token = await spec.contentToken({ accountId, maxSessions: 3 });
    const device = { id: 'install-4f2a', name: 'Living room', type: 'tv' };
    const setup = setupOf(await setupWith(spec.base, token, { device }));
    expect(setup.sessionId).toMatch(/^s\.[\w-]{22}$/);
    const other = setupOf(await setupWith(spec.base, token, {}));
    const listed = await listSessions(spec.base, token, device.id);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      sessions: [
        {
          sessionId: setup.sessionId,
          contentId: 'channel-1',
          device: { name: 'Living room', type: 'tv' },
          sameDevice: true,
          startedAt: expect.stringMatching(ISO),
          renewedAt: expect.stringMatching(ISO),
        },
        expect.objectContaining({ sessionId: other.sessionId, device: {}, sameDevice: false }),
      ],
    });
    const text = JSON.stringify(listed.body);
    for (const secret of [setup.sessionToken, other.sessionToken, device.id]) {
      expect(text).not.toContain(secret);
    }
    const withoutDevice = await listSessions(spec.base, token);
    expect((withoutDevice.body as { sessions: Array<{ sameDevice: boolean }> }).sessions).toEqual([
      expect.objectContaining({ sameDevice: false }),
      expect.objectContaining({ sameDevice: false }),
    ]);
  });

  it('a session id is never a session token', async () => {
    const token = await spec.contentToken({ accountId: account() });
    const { sessionId } = setupOf(await setupWith(spec.base, token, {}));
    expect(await ssmCall(spec.base, 'heartbeat', sessionId)).toMatchObject(refusal(401, 1003));
    expect(await ssmCall(spec.base, 'teardown', sessionId)).toMatchObject(refusal(401, 1003));
  });

  it('moves renewedAt with each heartbeat and keeps startedAt', async () => {
    const token = await spec.contentToken({ accountId: account() });
    const setup = setupOf(await setupWith(spec.base, token, {}));
    spec.advance(3000);
    await ssmCall(spec.base, 'heartbeat', setup.sessionToken);
    const listed = (await listSessions(spec.base, token)).body as {
      sessions: Array<{ startedAt: string; renewedAt: string }>;
    };
    const [held] = listed.sessions;
    expect(Date.parse(held?.renewedAt ?? '') - Date.parse(held?.startedAt ?? '')).toBe(3000);
  });

  it('refuses at maxDevices with 403/1007, the rule and the sessions that hold the slots', async () => {
    const accountId = account();
    const token = await spec.contentToken({ accountId, maxSessions: 5, maxDevices: 2 });
    const tv = setupOf(await setupWith(spec.base, token, { device: { id: 'tv', name: 'TV' } }));
    const phone = setupOf(await setupWith(spec.base, token, { device: { id: 'phone' } }));
    const refused = await setupWith(spec.base, token, { device: { id: 'laptop', type: 'web' } });
    expect(refused).toMatchObject(
      refusal(403, 1007, {
        rule: 'maxDevices',
        sessions: [
          expect.objectContaining({ sessionId: tv.sessionId, device: { name: 'TV' } }),
          expect.objectContaining({ sessionId: phone.sessionId, sameDevice: false }),
        ],
      }),
    );
    expect(JSON.stringify(refused.body)).not.toContain(tv.sessionToken);
    expect(await spec.server.liveSessions(accountId)).toBe(2);
    const again = await setupWith(spec.base, token, { device: { id: 'phone' } });
    expect(again.status).toBe(200);
  });

  it('refuses by maxSessionsPerContent and maxSessionsPerGroup, each named', async () => {
    const accountId = account();
    const policy = { accountId, maxSessions: 5, maxSessionsPerContent: 1 };
    const news = await spec.contentToken({ ...policy, contentId: 'news' });
    expect((await setupWith(spec.base, news, {})).status).toBe(200);
    expect(await setupWith(spec.base, news, {})).toMatchObject(
      refusal(403, 1007, { rule: 'maxSessionsPerContent' }),
    );
    const sport = (contentId: string) =>
      spec.contentToken({
        accountId,
        contentId,
        maxSessions: 5,
        contentGroup: 'sports',
        maxSessionsPerGroup: 1,
      });
    const f1 = setupOf(await setupWith(spec.base, await sport('f1'), {}));
    const golf = await setupWith(spec.base, await sport('golf'), {});
    expect(golf).toMatchObject(
      refusal(403, 1007, {
        rule: 'maxSessionsPerGroup',
        sessions: [expect.objectContaining({ sessionId: f1.sessionId, contentId: 'f1' })],
      }),
    );
  });

  it('stops a session of the account: 200, the slot is free, and its heartbeat learns why', async () => {
    const accountId = account();
    const token = await spec.contentToken({ accountId, maxSessions: 1 });
    const first = setupOf(await setupWith(spec.base, token, {}));
    expect(await setupWith(spec.base, token, {})).toMatchObject({ status: 403 });
    const stopped = await stopSession(spec.base, token, { sessionId: first.sessionId });
    expect(stopped).toMatchObject({ status: 200, body: {} });
    expect(await spec.server.liveSessions(accountId)).toBe(0);
    expect((await setupWith(spec.base, token, {})).status).toBe(200);
    expect(await ssmCall(spec.base, 'heartbeat', first.sessionToken)).toMatchObject(
      refusal(403, 1008, {
        reason: 'stopped',
        message: 'the session was stopped from another device',
      }),
    );
    expect(await ssmCall(spec.base, 'teardown', first.sessionToken)).toMatchObject({ status: 200 });
    expect(await stopSession(spec.base, token, { sessionId: first.sessionId })).toMatchObject(
      refusal(404, 1009),
    );
  });

  it('evict-oldest: the setup succeeds, names what it ended, and every renewal path of the evicted session is 1008', async () => {
    const accountId = account();
    const policy = { accountId, maxSessions: 1, onLimit: 'evict-oldest' as const };
    const token = await spec.contentToken(policy);
    const enforced = await spec.contentToken({ ...policy, drmEnforced: true });
    const evicted = (reason = 'evicted') =>
      refusal(403, 1008, { reason, message: 'the session ended for a newer playback' });

    const heartbeatMode = setupOf(
      await setupWith(spec.base, token, { device: { id: 'a', name: 'Phone', type: 'mobile' } }),
    );
    const licenceMode = setupOf(await setupWith(spec.base, enforced, {}));
    expect(licenceMode.evicted).toEqual([
      {
        sessionId: heartbeatMode.sessionId,
        contentId: 'channel-1',
        device: { name: 'Phone', type: 'mobile' },
      },
    ]);
    const third = setupOf(await setupWith(spec.base, token, {}));
    expect(third.evicted).toEqual([
      { sessionId: licenceMode.sessionId, contentId: 'channel-1', device: {} },
    ]);
    expect(await spec.server.liveSessions(accountId)).toBe(1);

    expect(await ssmCall(spec.base, 'heartbeat', heartbeatMode.sessionToken)).toMatchObject(
      evicted(),
    );
    const licence = (contentToken: string, sessionToken: string) =>
      request(`${spec.origin}/license/clearkey`, {
        method: 'POST',
        headers: { 'nv-authorizations': `${contentToken},${sessionToken}` },
        body: JSON.stringify({ kids: [] }),
      });
    expect(await licence(token, heartbeatMode.sessionToken)).toMatchObject(evicted());
    expect(await licence(enforced, licenceMode.sessionToken)).toMatchObject(evicted());
    const renewal = await request(`${spec.base}/renewal-license-wv`, {
      method: 'POST',
      headers: { 'nv-authorizations': licenceMode.sessionToken },
      body: JSON.stringify({ challenge: CHALLENGE }),
    });
    expect(renewal).toMatchObject(evicted());
    expect(await ssmCall(spec.base, 'teardown', licenceMode.sessionToken)).toMatchObject({
      status: 200,
    });
    expect(await ssmCall(spec.base, 'heartbeat', third.sessionToken)).toMatchObject({
      status: 200,
    });
  });

  it('stop of another account’s session, an unknown id or a bad body changes nothing', async () => {
    const [alice, bob] = [account(), account()];
    const aliceToken = await spec.contentToken({ accountId: alice });
    const bobToken = await spec.contentToken({ accountId: bob });
    const held = setupOf(await setupWith(spec.base, aliceToken, {}));
    expect(await stopSession(spec.base, bobToken, { sessionId: held.sessionId })).toMatchObject(
      refusal(404, 1009),
    );
    expect(await stopSession(spec.base, aliceToken, { sessionId: 's.unknown' })).toMatchObject(
      refusal(404, 1009),
    );
    for (const body of [
      {},
      { sessionId: 42 },
      { sessionId: '' },
      { sessionId: 'x'.repeat(129) },
      [],
      'id',
    ]) {
      expect(await stopSession(spec.base, aliceToken, body), JSON.stringify(body)).toMatchObject(
        refusal(400, 1004),
      );
    }
    expect(await spec.server.liveSessions(alice)).toBe(1);
    expect(await ssmCall(spec.base, 'heartbeat', held.sessionToken)).toMatchObject({ status: 200 });
    expect((await listSessions(spec.base, bobToken)).body).toEqual({ sessions: [] });
  });

  it('list and stop refuse a missing, forged or expired content token, changing nothing', async () => {
    const accountId = account();
    const token = await spec.contentToken({ accountId });
    const held = setupOf(await setupWith(spec.base, token, {}));
    const forged = await mintContentToken({
      secret: 'another-secret-of-thirty-two-bytes!!',
      accountId,
      contentId: 'channel-1',
    });
    // Expired 31 s ago: past the server's 30 s clock skew.
    const expiring = await spec.contentToken({
      accountId,
      ttlSeconds: 1,
      now: spec.now() - 32_000,
    });
    const cases: Array<[string | undefined, number]> = [
      [undefined, 1001],
      ['not-a-token', 1001],
      [forged, 1002],
      [expiring, 1002],
      [held.sessionToken, 1001],
    ];
    for (const [bad, errorCode] of cases) {
      expect(await listSessions(spec.base, bad), String(bad)).toMatchObject(
        refusal(401, errorCode),
      );
      expect(await stopSession(spec.base, bad, { sessionId: held.sessionId })).toMatchObject(
        refusal(401, errorCode),
      );
    }
    expect(await spec.server.liveSessions(accountId)).toBe(1);
  });

  it('refuses a device that is too long, not a string or not printable with 400/1004, taking no slot', async () => {
    const accountId = account();
    const token = await spec.contentToken({ accountId });
    const bad = [
      'tv',
      null,
      [],
      {},
      { id: '' },
      { id: 'x'.repeat(129) },
      { id: 42 },
      { id: 'tv', name: 'n'.repeat(65) },
      { id: 'tv', type: 't'.repeat(33) },
      { id: 'tv', name: null },
      { id: 'tv', type: ['tv'] },
      { id: 'tv\u0000' },
      { id: 'tv', name: 'bell\u0007' },
    ];
    for (const device of bad) {
      expect(await setupWith(spec.base, token, { device }), JSON.stringify(device)).toMatchObject(
        refusal(400, 1004),
      );
    }
    expect(await spec.server.liveSessions(accountId)).toBe(0);
    const longest = { id: 'i'.repeat(128), name: 'é'.repeat(64), type: 't'.repeat(32) };
    expect((await setupWith(spec.base, token, { device: longest })).status).toBe(200);
    expect(await listSessions(spec.base, token, 'x'.repeat(129))).toMatchObject(refusal(400, 1004));
  });

  it('10,000 list calls in a burst, good and bad: each a clear answer, only its own account, nothing changed', async () => {
    const [alice, bob] = [account(), account()];
    const aliceToken = await spec.contentToken({ accountId: alice, maxSessions: 3 });
    const bobToken = await spec.contentToken({ accountId: bob, maxSessions: 3 });
    const alices = [setupOf(await setupWith(spec.base, aliceToken, { device: { id: 'a1' } }))];
    const bobs = [setupOf(await setupWith(spec.base, bobToken, { device: { id: 'b1' } }))];
    const forged = `${aliceToken.slice(0, -4)}AAAA`;
    const kinds = [
      { token: aliceToken, status: 200, ids: alices.map((one) => one.sessionId) },
      { token: bobToken, status: 200, ids: bobs.map((one) => one.sessionId) },
      { token: forged, status: 401, errorCode: 1002 },
      { token: 'garbage', status: 401, errorCode: 1001 },
      { token: aliceToken, device: 'd'.repeat(129), status: 400, errorCode: 1004 },
    ];
    const foreign = [...alices, ...bobs].map((one) => one.sessionToken);
    const answers: Array<{ kind: number; answer: SpecResponse }> = [];
    // In waves of 500 at once, so the spec's own sockets stay within the machine's limits.
    for (let wave = 0; wave < 20; wave += 1) {
      const batch = await Promise.all(
        Array.from({ length: 500 }, async (_, n) => {
          const kind = (wave * 500 + n) % kinds.length;
          const { token, device } = kinds[kind] as { token: string; device?: string };
          const answer = await listSessions(spec.base, token, device);
          return { kind, answer };
        }),
      );
      answers.push(...batch);
    }
    expect(answers).toHaveLength(10_000);
    for (const { kind, answer } of answers) {
      const expected = kinds[kind] as (typeof kinds)[number];
      expect(answer.status).toBe(expected.status);
      const text = JSON.stringify(answer.body);
      for (const secret of foreign) expect(text).not.toContain(secret);
      if (expected.ids) {
        const listed = (answer.body as { sessions: Array<{ sessionId: string }> }).sessions;
        expect(listed.map((one) => one.sessionId)).toEqual(expected.ids);
      } else {
        expect(answer.body).toEqual({ errorCode: expected.errorCode, message: expect.any(String) });
      }
    }
    expect(await spec.server.liveSessions(alice)).toBe(1);
    expect(await spec.server.liveSessions(bob)).toBe(1);
    expect(await ssmCall(spec.base, 'heartbeat', alices[0]?.sessionToken)).toMatchObject({
      status: 200,
    });
  }, 120_000);

  it('allows GET and X-SSM-Device-Id from a browser origin', async () => {
    const preflight = await request(`${spec.base}/sessions`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'x-ssm-device-id, nv-authorizations',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('GET');
    expect(preflight.headers['access-control-allow-headers']).toContain('X-SSM-Device-Id');
  });

  it('counts refusals per rule, evictions and remote stops in /metrics', async () => {
    const accountId = account();
    const deny = await spec.contentToken({ accountId, maxSessions: 5, maxDevices: 1 });
    await setupWith(spec.base, deny, { device: { id: 'a' } });
    await setupWith(spec.base, deny, { device: { id: 'b' } });
    const evict = await spec.contentToken({ accountId, maxSessions: 1, onLimit: 'evict-oldest' });
    const kept = setupOf(await setupWith(spec.base, evict, {}));
    await stopSession(spec.base, evict, { sessionId: kept.sessionId });
    const text = (await request(`${spec.origin}/metrics`)).body as string;
    expect(text).toMatch(/^rx_ssm_limit_refusals_total\{rule="maxDevices"\} [1-9]\d*$/m);
    expect(text).toMatch(/^rx_ssm_evictions_total [1-9]\d*$/m);
    expect(text).toMatch(/^rx_ssm_remote_stops_total [1-9]\d*$/m);
  });
});
