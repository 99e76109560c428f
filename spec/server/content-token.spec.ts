import fc from 'fast-check';
import { base64url, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  type ContentClaims,
  mintContentToken,
  SsmHttpError,
  verifyContentToken,
} from '../../src/server/index.js';

const secret = 'content-token-spec-secret-32-bytes!';
const now = Date.UTC(2030, 0, 1);
const mint = (overrides = {}) =>
  mintContentToken({ secret, accountId: 'alice', contentId: 'channel-1', now, ...overrides });
const sign = (payload: Record<string, unknown>, key = secret, alg = 'HS256') =>
  new SignJWT(payload)
    .setProtectedHeader({ alg })
    .setExpirationTime(Math.floor(now / 1000) + 60)
    .sign(new TextEncoder().encode(key));

async function refusal(promise: Promise<ContentClaims>) {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SsmHttpError);
  const { status, errorCode } = error as SsmHttpError;
  return { status, errorCode };
}

describe('mintContentToken', () => {
  it('mints the ContentAuthZ shape of the wire protocol', async () => {
    const token = await mint({ maxSessions: 3, ttlSeconds: 60 });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({
      typ: 'ContentAuthZ',
      ver: '1.0',
      device: { accountId: 'alice' },
      contentRights: [
        { contentId: 'channel-1', sessionControl: { maxSessions: 3, sessionControlEnabled: true } },
      ],
      iat: now / 1000,
      exp: now / 1000 + 60,
    });
  });
});

describe('verifyContentToken', () => {
  it('answers the claims of a valid token, ignoring anything after the first comma', async () => {
    const claims = {
      accountId: 'alice',
      contentId: 'channel-1',
      sessionControlEnabled: true,
      maxSessions: 2,
      drmEnforced: false,
      limits: {},
    };
    expect(await verifyContentToken(await mint(), { secret }, now)).toEqual(claims);
    expect(await verifyContentToken(`${await mint()},whatever,else`, { secret }, now)).toEqual(
      claims,
    );
  });

  it('reads a token without sessionControl as counting against no limit', async () => {
    const token = await sign({ device: { accountId: 'a' }, contentRights: [{ contentId: 'c' }] });
    expect(await verifyContentToken(token, { secret }, now)).toMatchObject({
      sessionControlEnabled: false,
    });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['only a comma', ',session'],
    ['not a JWS', 'hello'],
    ['three garbage parts', 'a.b.c'],
  ])('refuses a token that is %s with 401/1001', async (_, token) => {
    expect(await refusal(verifyContentToken(token, { secret }, now))).toEqual({
      status: 401,
      errorCode: 1001,
    });
  });

  it.each([
    ['without device.accountId', { contentRights: [{ contentId: 'c' }] }],
    ['without contentRights', { device: { accountId: 'a' } }],
    [
      'of another type',
      { typ: 'Other', device: { accountId: 'a' }, contentRights: [{ contentId: 'c' }] },
    ],
    [
      'without maxSessions',
      {
        device: { accountId: 'a' },
        contentRights: [{ contentId: 'c', sessionControl: { sessionControlEnabled: true } }],
      },
    ],
    [
      'with a negative maxSessions',
      {
        device: { accountId: 'a' },
        contentRights: [{ contentId: 'c', sessionControl: { maxSessions: -1 } }],
      },
    ],
  ])('refuses a signed token %s with 401/1001', async (_, payload) => {
    const token = await sign(payload);
    expect(await refusal(verifyContentToken(token, { secret }, now))).toEqual({
      status: 401,
      errorCode: 1001,
    });
  });

  it('refuses a token without exp with 401/1001', async () => {
    const token = await new SignJWT({
      device: { accountId: 'a' },
      contentRights: [{ contentId: 'c' }],
    })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    expect(await refusal(verifyContentToken(token, { secret }, now))).toEqual({
      status: 401,
      errorCode: 1001,
    });
  });

  it('refuses an expired token with 401/1002, by the given clock', async () => {
    const token = await mint({ ttlSeconds: 60 });
    await expect(verifyContentToken(token, { secret }, now + 59_000)).resolves.toBeDefined();
    expect(await refusal(verifyContentToken(token, { secret }, now + 60_000))).toEqual({
      status: 401,
      errorCode: 1002,
    });
  });

  it('refuses a token signed with another secret, another algorithm or tampered, with 401/1002', async () => {
    const forged = await mint({ secret: 'another-secret' });
    const hs512 = await sign(
      { device: { accountId: 'a' }, contentRights: [{ contentId: 'c' }] },
      secret,
      'HS512',
    );
    const [header, , signature] = (await mint()).split('.');
    const widened = base64url.encode(
      JSON.stringify({
        device: { accountId: 'alice' },
        contentRights: [{ contentId: 'channel-1', sessionControl: { maxSessions: 99 } }],
        exp: now / 1000 + 60,
      }),
    );
    const unsigned = `${base64url.encode('{"alg":"none"}')}.${widened}.`;
    for (const token of [forged, hs512, `${header}.${widened}.${signature}`, unsigned]) {
      expect(await refusal(verifyContentToken(token, { secret }, now))).toEqual({
        status: 401,
        errorCode: 1002,
      });
    }
  });

  it('picks the key by kid when several are configured', async () => {
    const keys = { old: 'old-secret', new: 'new-secret' };
    await expect(
      verifyContentToken(await mint({ kid: 'new', secret: 'new-secret' }), { keys }, now),
    ).resolves.toBeDefined();
    await expect(
      verifyContentToken(await mint({ kid: 'old', secret: 'old-secret' }), { keys }, now),
    ).resolves.toBeDefined();
    for (const token of [
      await mint({ kid: 'old', secret: 'new-secret' }),
      await mint({ kid: 'unknown', secret: 'new-secret' }),
      await mint({ secret: 'new-secret' }),
    ]) {
      expect(await refusal(verifyContentToken(token, { keys }, now))).toEqual({
        status: 401,
        errorCode: 1002,
      });
    }
    await expect(verifyContentToken(await mint(), { secret, keys }, now)).resolves.toBeDefined();
  });

  it('answers any string with claims or a 401, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (token) => {
        const { status } = await refusal(verifyContentToken(token, { secret }, now));
        expect(status).toBe(401);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the concurrency policy of a content token', () => {
  const withControl = (sessionControl: Record<string, unknown>) =>
    sign({
      typ: 'ContentAuthZ',
      device: { accountId: 'alice' },
      contentRights: [{ contentId: 'f1', sessionControl: { maxSessions: 3, ...sessionControl } }],
    });

  it('reads every rule and the onLimit mode, as minted', async () => {
    const token = await mint({
      maxDevices: 2,
      maxSessionsPerContent: 1,
      contentGroup: 'sports',
      maxSessionsPerGroup: 1,
      onLimit: 'evict-oldest',
    });
    expect(await verifyContentToken(token, { secret }, now)).toMatchObject({
      contentGroup: 'sports',
      limits: {
        maxDevices: 2,
        maxSessionsPerContent: 1,
        maxSessionsPerGroup: 1,
        onLimit: 'evict-oldest',
      },
    });
    const deny = await withControl({ maxDevices: 0, onLimit: 'deny' });
    expect((await verifyContentToken(deny, { secret }, now)).limits).toEqual({
      maxDevices: 0,
      onLimit: 'deny',
    });
  });

  it('applies no rule to content without session control', async () => {
    const token = await withControl({ sessionControlEnabled: false, maxDevices: 1 });
    expect((await verifyContentToken(token, { secret }, now)).limits).toEqual({});
  });

  it.each([
    ['a negative maxDevices', { maxDevices: -1 }],
    ['a fractional maxSessionsPerContent', { maxSessionsPerContent: 1.5 }],
    ['a string maxDevices', { maxDevices: '2' }],
    ['a null maxSessionsPerGroup', { contentGroup: 'g', maxSessionsPerGroup: null }],
    ['maxSessionsPerGroup without a contentGroup', { maxSessionsPerGroup: 1 }],
    ['an empty contentGroup', { contentGroup: '' }],
    ['a contentGroup that is not a string', { contentGroup: 7 }],
    ['a contentGroup over 256 characters', { contentGroup: 'g'.repeat(257) }],
    ['an unknown onLimit', { onLimit: 'evict-newest' }],
    ['an onLimit that is not a string', { onLimit: true }],
  ])('refuses %s with 401/1001', async (_name, control) => {
    const token = await withControl(control);
    expect(await refusal(verifyContentToken(token, { secret }, now))).toEqual({
      status: 401,
      errorCode: 1001,
    });
  });

  it('reads any valid rule set back as minted', async () => {
    const limit = fc.option(fc.nat({ max: 1000 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        limit,
        limit,
        fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.nat({ max: 1000 })), {
          nil: undefined,
        }),
        fc.option(fc.constantFrom('deny' as const, 'evict-oldest' as const), { nil: undefined }),
        async (maxDevices, maxSessionsPerContent, group, onLimit) => {
          const token = await mint({
            ...(maxDevices !== undefined && { maxDevices }),
            ...(maxSessionsPerContent !== undefined && { maxSessionsPerContent }),
            ...(group && { contentGroup: group[0], maxSessionsPerGroup: group[1] }),
            ...(onLimit && { onLimit }),
          });
          const claims = await verifyContentToken(token, { secret }, now);
          expect(claims.limits).toEqual({
            ...(maxDevices !== undefined && { maxDevices }),
            ...(maxSessionsPerContent !== undefined && { maxSessionsPerContent }),
            ...(group && { maxSessionsPerGroup: group[1] }),
            ...(onLimit && { onLimit }),
          });
          expect(claims.contentGroup).toBe(group?.[0]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
