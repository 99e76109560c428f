// Content tokens are verified with node:crypto, not jose: every token, however odd, must get the
// answer jose's jwtVerify gave it (claims, or the same status and error code), so the checks are
// exactly as strict as before. The reference below is the jose-based verifier the server used.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { type JWTPayload, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { contentTokenMalformed, contentTokenRejected } from '../src/http/ssm-http-error.js';
import { claimsOf, type SigningKeys, verifyContentToken } from '../src/tokens/content-token.js';
import { outcome, refusalOfJoseError } from './support/jose-reference.js';

const now = Date.UTC(2030, 0, 1);
const nowSeconds = now / 1000;
const SECRETS = { main: 'main-secret-of-thirty-two-bytes!!', k1: 'key-one-secret', k2: 'key-two' };
const signings: SigningKeys[] = [
  { secret: SECRETS.main },
  { keys: { k1: SECRETS.k1, k2: SECRETS.k2 } },
  { secret: SECRETS.main, keys: { k1: SECRETS.k1 } },
  { keys: { '1': SECRETS.k1, null: SECRETS.k2 } },
];

/** The server's verifier before: jose's jwtVerify, its errors mapped to 1001 and 1002. */
async function joseVerdict(token: string | undefined, { secret, keys = {} }: SigningKeys) {
  const jws = token?.split(',', 1)[0]?.trim();
  if (!jws) throw contentTokenMalformed('missing');
  const keyFor = (kid: unknown) => {
    const listed =
      kid !== undefined && Object.hasOwn(keys, kid as string) ? keys[kid as string] : undefined;
    const chosen =
      listed ?? (Object.keys(keys).length === 0 || kid === undefined ? secret : undefined);
    if (chosen === undefined) {
      throw contentTokenRejected(
        kid === undefined ? 'has no kid' : 'is signed with an unknown key',
      );
    }
    return new TextEncoder().encode(chosen);
  };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jws, (header) => keyFor(header.kid), {
      algorithms: ['HS256'],
      currentDate: new Date(now),
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    refusalOfJoseError(error);
  }
  return claimsOf(payload as Record<string, unknown>);
}

const b64url = (text: string | Buffer) => Buffer.from(text).toString('base64url');
const sig = (input: string, key: string) =>
  createHmac('sha256', key).update(input, 'latin1').digest('base64url');

/** Mostly `usual`, sometimes one of `odd`: most tokens get far, each check is still reached. */
const mostly = <T>(usual: T, ...odd: T[]) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(usual) }, fc.constantFrom(...odd));

/** Ways a segment may be bent: padding, whitespace, the standard alphabet, stray characters. */
const bend = mostly<(segment: string) => string>(
  (s) => s,
  (s) => `${s}=`,
  (s) => `${s}==`,
  (s) => `${s.slice(0, 2)} ${s.slice(2)}`,
  (s) => `${s.slice(0, 3)}\t${s.slice(3)}`,
  (s) => s.replace(/-/g, '+').replace(/_/g, '/'),
  (s) => `${s}A`,
  (s) => s.slice(0, -1),
  (s) => `${s}!`,
  (s) => `${s}é`,
  () => '',
);

const ABSENT = Symbol('absent');
/** An object of the fields not absent. */
const present = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ABSENT));

const header = fc
  .record({
    alg: mostly<unknown>('HS256', 'HS512', 'none', '', 5, ABSENT),
    typ: mostly<unknown>('JWT', ABSENT, 'other'),
    kid: fc.constantFrom<unknown>(ABSENT, ABSENT, 'k1', 'k2', 'k3', 1, null, ''),
    crit: mostly<unknown>(ABSENT, ['b64'], [], ['exp'], ['b64', 'b64'], 'b64', [''], [1]),
    b64: mostly<unknown>(ABSENT, true, false, 'no'),
  })
  .map(present);
const headerText = fc.oneof(
  { weight: 10, arbitrary: header.map((h) => ({ h, text: JSON.stringify(h) })) },
  header.map((h) => ({ h, text: `\uFEFF${JSON.stringify(h)}` })),
  fc
    .constantFrom('[1]', 'null', '{', '"x"')
    .map((text) => ({ h: {} as Record<string, unknown>, text })),
);
const lifetime = (usual: unknown) =>
  mostly<unknown>(usual, ABSENT, nowSeconds - 10, nowSeconds, nowSeconds + 10, 'soon', null);
const claims = fc
  .record({
    exp: lifetime(nowSeconds + 60),
    nbf: lifetime(ABSENT),
    iat: lifetime(nowSeconds - 60),
    typ: mostly<unknown>('ContentAuthZ', ABSENT, 'Other'),
    device: mostly<unknown>({ accountId: 'alice' }, {}, 'x'),
    contentRights: mostly<unknown>(
      [{ contentId: 'c', sessionControl: { maxSessions: 2 } }],
      [{ contentId: 'c' }],
      [{ contentId: 'c', sessionControl: { sessionControlEnabled: false, drmEnforced: true } }],
      [{ contentId: '' }],
      [],
    ),
  })
  .map(present);
const payloadText = fc.oneof(
  { weight: 10, arbitrary: claims.map((c) => JSON.stringify(c)) },
  fc.constantFrom('[]', '1', 'not json', `{"exp":${nowSeconds + 60},"x":"\u00e9"}`),
);

/** The secret a token with this `kid` must be signed with to be accepted, as the server picks it. */
function secretFor({ secret, keys = {} }: SigningKeys, kid: unknown): string {
  const listed =
    kid !== undefined && Object.hasOwn(keys, String(kid)) ? keys[String(kid)] : undefined;
  return listed ?? secret ?? 'none';
}

const signedToken = fc
  .record({
    signing: fc.constantFrom(...signings),
    header: headerText,
    payload: payloadText,
    rawPayload: mostly(false, true),
    bendHeader: bend,
    bendPayload: bend,
    bendSignature: bend,
    wrongKey: mostly(false, true),
    invalidUtf8: mostly(false, true),
    parts: mostly(3, 2, 4),
    after: mostly('', ',session-token', ' , x'),
  })
  .map((t) => {
    const headerBytes = t.invalidUtf8
      ? Buffer.concat([Buffer.from(t.header.text), Buffer.from([0xff])])
      : t.header.text;
    const h = t.bendHeader(b64url(headerBytes));
    const p = t.rawPayload ? t.payload : t.bendPayload(b64url(t.payload));
    const key = t.wrongKey ? 'wrong' : secretFor(t.signing, t.header.h.kid);
    const s = t.bendSignature(sig(`${h}.${p}`, key));
    const parts = [h, p, s, 'extra'].slice(0, t.parts);
    return { jws: `${parts.join('.')}${t.after}`, signing: t.signing };
  });

describe('verifyContentToken answers as jose did', () => {
  it('for generated tokens, well formed or bent every way', async () => {
    await fc.assert(
      fc.asyncProperty(signedToken, async ({ jws, signing }) => {
        const expected = await outcome(joseVerdict(jws, signing));
        expect(await outcome(verifyContentToken(jws, signing, now))).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('for any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (jws) => {
        const signing = { secret: SECRETS.main };
        const expected = await outcome(joseVerdict(jws, signing));
        expect(await outcome(verifyContentToken(jws, signing, now))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts some generated tokens and refuses others for each reason, so the property bites', async () => {
    const seen = new Set<string>();
    for (const { jws, signing } of fc.sample(signedToken, { numRuns: 3000, seed: 1 })) {
      const result = await outcome(verifyContentToken(jws, signing, now));
      seen.add('claims' in result ? 'claims' : `${result.errorCode} ${result.message}`);
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'claims',
        '1001 content token is malformed',
        '1002 content token signature is not valid',
        '1002 content token expired',
        '1002 content token is not valid yet',
        '1002 content token is signed with an unknown key',
        '1002 content token has no kid',
      ]),
    );
  });
});
