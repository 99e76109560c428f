// Regression: a validly signed content token whose `nbf` lies in the future was refused as
// malformed (1001), so a client could not tell a clock problem from a broken token. It is now
// refused like an expired one: 401/1002.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ssmCall } from '../../../spec/support/ssm-http.js';
import { SPEC_SECRET, type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';

let spec: SpecServer;
beforeAll(async () => {
  spec = await startSpecServer();
});
afterAll(async () => {
  await spec?.server.close();
});

function tokenValidFrom(notBeforeMs: number): Promise<string> {
  const seconds = Math.floor(notBeforeMs / 1000);
  return new SignJWT({
    typ: 'ContentAuthZ',
    ver: '1.0',
    device: { accountId: 'nbf' },
    contentRights: [{ contentId: 'c', sessionControl: { maxSessions: 1 } }],
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setNotBefore(seconds)
    .setExpirationTime(seconds + 3600)
    .sign(new TextEncoder().encode(SPEC_SECRET));
}

it('refuses a token that is not valid yet with 401/1002, and accepts it once it is', async () => {
  const token = await tokenValidFrom(spec.now() + 60_000);
  expect(await ssmCall(spec.base, 'setup', token)).toMatchObject({
    status: 401,
    body: { errorCode: 1002, message: expect.stringContaining('not valid yet') },
  });
  spec.advance(61_000);
  expect((await ssmCall(spec.base, 'setup', token)).status).toBe(200);
});
