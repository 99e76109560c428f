// Regression: a renewal whose answer was lost cost the session. The retry carried the token the
// renewal had just replaced and got 401/1003. Now the server keeps the answer of each session's
// last renewal for one period and answers the repeat with it, changing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyStore } from '../../../spec/support/every-store.js';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import type { SsmStore } from '../src/index.js';

const PERIOD_MS = 5000;
const keys = { 'channel-1': [{ kid: 'a2lk', k: 'a2V5' }] };
const refused = { status: 401, body: { errorCode: 1003, message: expect.any(String) } };

const stores = everyStore('repeat:');

describe.each(stores)('a repeated renewal on the %s store', (_name, open) => {
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

  let accounts = 0;
  async function session(drmEnforced = false) {
    accounts += 1;
    const accountId = `repeat-${accounts}`;
    const contentToken = await spec.contentToken({ accountId, maxSessions: 1, drmEnforced });
    const setup = await ssmCall(spec.base, 'setup', contentToken);
    return { accountId, contentToken, first: tokenOf(setup) };
  }
  const tokenOf = (response: { body: unknown }) =>
    (response.body as { sessionToken: string }).sessionToken;
  const heartbeat = (token: string) => ssmCall(spec.base, 'heartbeat', token);
  const licence = (contentToken: string, token: string) =>
    request(`${spec.origin}/license/clearkey`, {
      method: 'POST',
      headers: { 'nv-authorizations': `${contentToken},${token}` },
      body: '{"kids":[]}',
    });
  const renewalWv = (token: string) =>
    request(`${spec.origin}/v1/renewal-license-wv`, {
      method: 'POST',
      headers: { 'nv-authorizations': token },
      body: JSON.stringify({ challenge: 'AAAA' }),
    });

  it('answers a repeated heartbeat with the same next token, not extending the expiry', async () => {
    const { accountId, first } = await session();
    const renewed = await heartbeat(first);
    const renewedAt = spec.now();
    spec.advance(PERIOD_MS - 1);
    expect(await heartbeat(first)).toEqual({ ...renewed, headers: expect.any(Object) });
    expect(await spec.server.liveSessions(accountId)).toBe(1);
    // The expiry is the one the first answer set: the repeat renewed nothing.
    spec.advance(renewedAt + 2 * PERIOD_MS - spec.now());
    expect(await spec.server.liveSessions(accountId)).toBe(0);
    expect(await heartbeat(tokenOf(renewed))).toMatchObject(refused);
  });

  it('refuses the replaced token once the next renewal happened, or a period passed', async () => {
    const { first } = await session();
    const second = tokenOf(await heartbeat(first));
    const third = tokenOf(await heartbeat(second));
    expect(await heartbeat(first)).toMatchObject(refused);
    spec.advance(PERIOD_MS);
    expect(await heartbeat(second)).toMatchObject(refused);
    expect((await heartbeat(third)).status).toBe(200);
  });

  it('refuses the replaced token for anything but the repeat, and after a teardown', async () => {
    const { contentToken, first } = await session();
    const second = tokenOf(await heartbeat(first));
    expect(await licence(contentToken, first)).toMatchObject(refused);
    expect(await ssmCall(spec.base, 'teardown', first)).toMatchObject(refused);
    expect((await ssmCall(spec.base, 'teardown', second)).status).toBe(200);
    expect(await heartbeat(first)).toMatchObject(refused);
  });

  it('rotates once out of concurrent heartbeats with one token, answering all alike', async () => {
    const { accountId, first } = await session();
    const answers = await Promise.all(Array.from({ length: 10 }, () => heartbeat(first)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const next = new Set(answers.map(tokenOf));
    expect(next.size).toBe(1);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
    expect((await heartbeat([...next][0] as string)).status).toBe(200);
  });

  it('answers a repeated licence renewal of an enforced session alike, by either endpoint', async () => {
    const { contentToken, first } = await session(true);
    const byLicence = await licence(contentToken, first);
    expect(await licence(contentToken, first)).toMatchObject({ status: 200, body: byLicence.body });
    expect(tokenOf(await renewalWv(first))).toBe(tokenOf(byLicence));
    const byWv = await renewalWv(tokenOf(byLicence));
    expect(await renewalWv(tokenOf(byLicence))).toMatchObject({ status: 200, body: byWv.body });
    // A heartbeat is not the call that renewed it: no repeat for it.
    expect(await heartbeat(tokenOf(byLicence))).toMatchObject(refused);
  });
});
