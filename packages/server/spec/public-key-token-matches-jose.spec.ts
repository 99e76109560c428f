// Tokens of every algorithm the server trusts (HS256 on its node:crypto path, RS256, PS256, ES256
// and EdDSA through a JWKS), valid or bent the ways an attacker or a broken issuer bends them,
// get from the server the verdict jose's jwtVerify gives with the same keys and options.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  CompactSign,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, type SigningKeys, verifyContentToken } from '../src/tokens/content-token.js';
import { publicKeysOf } from '../src/tokens/public-keys.js';
import { outcome, refusalOfJoseError } from './support/jose-reference.js';

const now = Date.UTC(2030, 0, 1);
const nowSeconds = now / 1000;
const SECRET = 'hs256-secret-of-thirty-two-bytes!!';
const ALGORITHMS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];

interface Signer {
  kid: string;
  alg: string;
  key: CryptoKey;
}

let signers: Record<string, Signer>;
let jwks: JSONWebKeySet;
let rsaPublicPem: string;

beforeAll(async () => {
  const pair = async (alg: string, kid: string, publishedAlg: boolean) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, ...(publishedAlg && { alg }) };
    return { signer: { kid, alg, key: privateKey }, jwk, publicKey };
  };
  const es = await pair('ES256', 'es', true);
  const rs = await pair('RS256', 'rs', true);
  // An RSA key published without an alg serves both RS256 and PS256, as jose reads a JWKS.
  const rsa = await pair('RS256', 'rsa', false);
  const rsaAsPs = (await importJWK(await exportJWK(rsa.signer.key), 'PS256')) as CryptoKey;
  const ed = await pair('EdDSA', 'ed', true);
  // Keys the server does not know: a forger's, under a known kid and under its own.
  const forgedEs = await pair('ES256', 'es', true);
  const rogue = await pair('ES256', 'rogue', true);
  jwks = { keys: [es.jwk, rs.jwk, rsa.jwk, ed.jwk] };
  rsaPublicPem = await exportSPKI(rs.publicKey);
  signers = {
    es: es.signer,
    rs: rs.signer,
    rsaPs: { kid: 'rsa', alg: 'PS256', key: rsaAsPs },
    rsaRs: rsa.signer,
    ed: ed.signer,
    forgedEs: forgedEs.signer,
    rogue: rogue.signer,
  };
});

interface Checks {
  issuer?: string;
  audience?: string | string[];
  clockSkewSeconds: number;
}

/** What the server answered before it knew public keys: jose, its errors mapped to 1001 and 1002. */
async function joseVerdict(jws: string, checks: Checks) {
  const keySet = createLocalJWKSet(jwks);
  const secret = new TextEncoder().encode(SECRET);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      jws,
      (header, token) => (header.alg === 'HS256' ? secret : keySet(header, token)),
      {
        algorithms: ALGORITHMS,
        currentDate: new Date(now),
        requiredClaims: ['exp'],
        clockTolerance: checks.clockSkewSeconds,
        ...(checks.issuer !== undefined && { issuer: checks.issuer }),
        ...(checks.audience !== undefined && { audience: checks.audience }),
      },
    ));
  } catch (error) {
    refusalOfJoseError(error);
  }
  return claimsOf(payload as Record<string, unknown>);
}

const ABSENT = Symbol('absent');
const present = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ABSENT));
const mostly = <T>(usual: T, ...odd: T[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, fc.constantFrom(...odd));

const checks = fc.record({
  issuer: fc.constantFrom<string | undefined>(undefined, 'https://issuer.example'),
  audience: fc.constantFrom<string | string[] | undefined>(undefined, 'ssm', ['ssm', 'other']),
  clockSkewSeconds: fc.constantFrom(0, 30),
});

/** How a token is signed: a key the server knows, a forger's, or an attack on the algorithm. */
type Signing =
  | { kind: 'key'; signer: string }
  | { kind: 'hs256' }
  | { kind: 'none' }
  | { kind: 'public key as HS256 secret' }
  | { kind: 'kid of another type'; signer: string; kid: string };

const signing = fc.oneof(
  fc.constantFrom<Signing>(
    { kind: 'key', signer: 'es' },
    { kind: 'key', signer: 'rs' },
    { kind: 'key', signer: 'rsaPs' },
    { kind: 'key', signer: 'rsaRs' },
    { kind: 'key', signer: 'ed' },
    { kind: 'hs256' },
  ),
  fc.constantFrom<Signing>(
    { kind: 'key', signer: 'forgedEs' },
    { kind: 'key', signer: 'rogue' },
    { kind: 'none' },
    { kind: 'public key as HS256 secret' },
    { kind: 'kid of another type', signer: 'es', kid: 'rs' },
    { kind: 'kid of another type', signer: 'ed', kid: 'es' },
    { kind: 'kid of another type', signer: 'rs', kid: 'ed' },
  ),
);

const claims = fc
  .record({
    exp: mostly<unknown>(nowSeconds + 60, nowSeconds - 10, nowSeconds - 40, ABSENT, 'soon'),
    nbf: mostly<unknown>(ABSENT, nowSeconds + 10, nowSeconds + 40, nowSeconds - 5),
    iss: mostly<unknown>('https://issuer.example', ABSENT, 'https://other.example', 7),
    aud: mostly<unknown>('ssm', ['other', 'ssm'], 'other', ABSENT, ['other']),
    device: fc.constant({ accountId: 'alice' }),
    contentRights: fc.constant([{ contentId: 'c', sessionControl: { maxSessions: 2 } }]),
  })
  .map(present);

const tokenCase = fc.record({
  signing,
  claims,
  checks,
  kidless: mostly(false, true),
  tamper: mostly<'none' | 'payload' | 'signature' | 'header'>(
    'none',
    'payload',
    'signature',
    'header',
  ),
});

const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

async function tokenOf(t: TokenCase) {
  const payload = new TextEncoder().encode(JSON.stringify(t.claims));
  let jws: string;
  const hmac = (header: Record<string, unknown>, key: string) => {
    const input = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
  const s = t.signing;
  if (s.kind === 'hs256') {
    jws = hmac({ alg: 'HS256', ...(!t.kidless && { kid: 'any' }) }, SECRET);
  } else if (s.kind === 'public key as HS256 secret') {
    jws = hmac({ alg: 'HS256', kid: 'rs' }, rsaPublicPem);
  } else if (s.kind === 'none') {
    jws = `${b64url(JSON.stringify({ alg: 'none', kid: 'es' }))}.${b64url(payload)}.`;
  } else {
    const signer = signers[s.signer] as Signer;
    const kid = s.kind === 'kid of another type' ? s.kid : signer.kid;
    jws = await new CompactSign(payload)
      .setProtectedHeader({ alg: signer.alg, ...(!t.kidless && { kid }) })
      .sign(signer.key);
  }
  const [h = '', p = '', sig = ''] = jws.split('.');
  const flip = (segment: string) =>
    segment.length === 0
      ? 'A'
      : `${segment.slice(0, -2)}${segment.at(-2) === 'A' ? 'B' : 'A'}${segment.at(-1)}`;
  if (t.tamper === 'payload') return `${h}.${flip(p)}.${sig}`;
  if (t.tamper === 'signature') return `${h}.${p}.${flip(sig)}`;
  if (t.tamper === 'header') {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const alg = header.alg === 'ES256' ? 'RS256' : 'ES256';
    return `${b64url(JSON.stringify({ ...header, alg }))}.${p}.${sig}`;
  }
  return jws;
}

interface TokenCase {
  signing: Signing;
  claims: Record<string, unknown>;
  checks: Checks;
  kidless: boolean;
  tamper: 'none' | 'payload' | 'signature' | 'header';
}

function signingKeysOf(c: Checks): SigningKeys {
  const publicKeys = publicKeysOf({ jwks }, () => now);
  return {
    secret: SECRET,
    ...(publicKeys && { publicKeys }),
    ...(c.issuer !== undefined && { issuer: c.issuer }),
    ...(c.audience !== undefined && { audience: c.audience }),
    clockSkewSeconds: c.clockSkewSeconds,
  };
}

describe('the server answers tokens of every algorithm as jose does', () => {
  it('for 2,000 random tokens: valid, tampered, wrong alg, wrong kid, expired, not yet valid, wrong iss/aud', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(tokenCase, async (t) => {
        const jws = await tokenOf(t as TokenCase);
        const signingKeys = signingKeysOf(t.checks as Checks);
        await signingKeys.publicKeys?.ready;
        const expected = await outcome(joseVerdict(jws, t.checks as Checks));
        const actual = await outcome(verifyContentToken(jws, signingKeys, now));
        expect(actual).toEqual(expected);
        seen.add('claims' in actual ? 'claims' : `${actual.errorCode} ${actual.message}`);
      }),
      { numRuns: 2000 },
    );
    // Every verdict is reached, so the property bites.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'claims',
        '1001 content token is malformed',
        '1002 content token signature is not valid',
        '1002 content token expired',
        '1002 content token is not valid yet',
        '1002 content token is signed with an unknown key',
        '1002 content token is from another issuer',
        '1002 content token is for another audience',
      ]),
    );
  });

  it('refuses an HS256 token on a server of public keys alone as a key it has no secret for, kid or not', async () => {
    const publicKeys = publicKeysOf({ jwks }, () => now);
    await publicKeys?.ready;
    const claims = { exp: nowSeconds + 60, device: { accountId: 'a' }, contentRights: [] };
    for (const kidless of [true, false]) {
      const jws = await tokenOf({
        signing: { kind: 'hs256' },
        claims,
        checks: { clockSkewSeconds: 30 },
        kidless,
        tamper: 'none',
      });
      expect(
        await outcome(verifyContentToken(jws, { ...(publicKeys && { publicKeys }) }, now)),
      ).toEqual({
        status: 401,
        errorCode: 1002,
        message: 'content token is signed with HS256, which this server has no secret for',
      });
    }
  });

  it('refuses each attack on the algorithm with 1002, even with every other claim right', async () => {
    const good = {
      exp: nowSeconds + 60,
      device: { accountId: 'a' },
      contentRights: [{ contentId: 'c' }],
    };
    const c = { clockSkewSeconds: 30 };
    const attacks: Signing[] = [
      { kind: 'none' },
      { kind: 'public key as HS256 secret' },
      { kind: 'kid of another type', signer: 'es', kid: 'rs' },
      { kind: 'key', signer: 'forgedEs' },
    ];
    for (const attack of attacks) {
      const jws = await tokenOf({
        signing: attack,
        claims: good,
        checks: c,
        kidless: false,
        tamper: 'none',
      });
      const result = await outcome(verifyContentToken(jws, signingKeysOf(c), now));
      expect(result, attack.kind).toMatchObject({ status: 401, errorCode: 1002 });
    }
    const valid = await tokenOf({
      signing: { kind: 'key', signer: 'es' },
      claims: good,
      checks: c,
      kidless: false,
      tamper: 'none',
    });
    expect(await outcome(verifyContentToken(valid, signingKeysOf(c), now))).toHaveProperty(
      'claims',
    );
  });
});
