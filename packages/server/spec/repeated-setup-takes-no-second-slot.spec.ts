// Regression: a setup whose answer was lost and that was sent again took a second slot (or was
// refused 1007 on an account with one), leaving the first session to expire. With the same
// Idempotency-Key within one period, the server now answers the first session again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyStore } from '../../../spec/support/every-store.js';
import { request, type SpecResponse } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import type { SsmStore } from '../src/index.js';

const PERIOD_MS = 5000;

const stores = everyStore('idempotent:');

describe.each(stores)('a repeated setup on the %s store', (_name, open) => {
  let spec: SpecServer;
  let store: SsmStore;
  beforeAll(async () => {
    store = open();
    spec = await startSpecServer({ store, sweepIntervalMs: false });
  });
  afterAll(async () => {
    await spec?.server.close();
    await store?.close();
  });

  let accounts = 0;
  const nextAccount = () => {
    accounts += 1;
    return `idempotent-${accounts}`;
  };
  function call(call: string, token: string, idempotencyKey?: string): Promise<SpecResponse> {
    return request(`${spec.base}/sessions/${call}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'nv-authorizations': token,
        ...(idempotencyKey !== undefined && { 'Idempotency-Key': idempotencyKey }),
      },
      body: '{}',
    });
  }
  const tokenOf = (response: { body: unknown }) =>
    (response.body as { sessionToken: string }).sessionToken;

  it('answers a setup repeated with the same key with the first session, taking no slot', async () => {
    const accountId = nextAccount();
    const contentToken = await spec.contentToken({ accountId, maxSessions: 1 });
    const first = await call('setup', contentToken, 'key-1');
    expect(first.status).toBe(200);
    spec.advance(PERIOD_MS - 1);
    const again = await call('setup', contentToken, 'key-1');
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect(await spec.server.liveSessions(accountId)).toBe(1);
    // Another key is another setup: the account is full.
    expect((await call('setup', contentToken, 'key-2')).status).toBe(403);
    expect((await call('setup', contentToken)).status).toBe(403);
  });

  it('admits one session out of concurrent setups with one key, answering all alike', async () => {
    const accountId = nextAccount();
    const contentToken = await spec.contentToken({ accountId, maxSessions: 5 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call('setup', contentToken, 'same')),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map(tokenOf)).size).toBe(1);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
  });

  it('keeps the keys of different accounts apart', async () => {
    const [alice, bob] = [nextAccount(), nextAccount()];
    const a = await call('setup', await spec.contentToken({ accountId: alice }), 'shared');
    const b = await call('setup', await spec.contentToken({ accountId: bob }), 'shared');
    expect(tokenOf(a)).not.toBe(tokenOf(b));
    expect(await spec.server.liveSessions(alice)).toBe(1);
    expect(await spec.server.liveSessions(bob)).toBe(1);
  });

  it('does not remember a refused setup: its retry is evaluated afresh', async () => {
    const accountId = nextAccount();
    const contentToken = await spec.contentToken({ accountId, maxSessions: 1 });
    const holder = await call('setup', contentToken);
    expect((await call('setup', contentToken, 'retry')).status).toBe(403);
    expect((await call('teardown', tokenOf(holder))).status).toBe(200);
    const retried = await call('setup', contentToken, 'retry');
    expect(retried.status).toBe(200);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
  });

  it('sets up afresh after one period, or once the first session was renewed', async () => {
    const accountId = nextAccount();
    const contentToken = await spec.contentToken({ accountId, maxSessions: 5 });
    const first = await call('setup', contentToken, 'k');
    spec.advance(PERIOD_MS);
    const later = await call('setup', contentToken, 'k');
    expect(tokenOf(later)).not.toBe(tokenOf(first));
    expect((await call('heartbeat', tokenOf(later))).status).toBe(200);
    const afterRenewal = await call('setup', contentToken, 'k');
    expect(tokenOf(afterRenewal)).not.toBe(tokenOf(later));
    expect(await spec.server.liveSessions(accountId)).toBe(3);
  });

  it('refuses a key that is empty, longer than 128 characters or not printable ASCII', async () => {
    const accountId = nextAccount();
    const contentToken = await spec.contentToken({ accountId });
    for (const key of ['', 'k'.repeat(129), 'clé']) {
      expect(await call('setup', contentToken, key)).toMatchObject({
        status: 400,
        body: { errorCode: 1004, message: expect.stringContaining('Idempotency-Key') },
      });
    }
    expect((await call('setup', contentToken, 'k'.repeat(128))).status).toBe(200);
    expect(await spec.server.liveSessions(accountId)).toBe(1);
  });
});

it('allows the Idempotency-Key header in CORS preflights', async () => {
  const spec = await startSpecServer();
  const preflight = await request(`${spec.base}/sessions/setup`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'https://app.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'idempotency-key',
    },
  });
  expect(preflight.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/i);
  await spec.server.close();
});
