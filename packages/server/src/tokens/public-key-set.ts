import { importJWK, type JSONWebKeySet, type JWK } from 'jose';

/** The asymmetric algorithms content tokens may be signed with; HS256 has its own path. */
export const PUBLIC_KEY_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/** The algorithm a key of this type verifies when its JWK names none (RSA: RS256 and PS256). */
function defaultAlgorithm(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

/**
 * The public keys of a JWKS, checked: each is an RSA, EC P-256 or Ed25519 public key (never a
 * private key, never a shared secret), and imports for its algorithm. Throws an `Error` saying
 * which key is wrong, with `where` (a file or a URL) in front.
 */
export async function checkedKeySet(value: unknown, where: string): Promise<JSONWebKeySet> {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys)) {
    throw new Error(`${where}: not a JWKS (a JSON object with a "keys" array)`);
  }
  await Promise.all(
    keys.map(async (jwk: unknown, index) => {
      const name = `${where}: key ${index}${isJwk(jwk) && jwk.kid ? ` (kid "${jwk.kid}")` : ''}`;
      if (!isJwk(jwk)) throw new Error(`${name} is not a JSON object with a "kty"`);
      if ('d' in jwk || jwk.kty === 'oct') {
        throw new Error(`${name} is a private or secret key: publish only public keys`);
      }
      const alg = jwk.alg ?? defaultAlgorithm(jwk);
      if (!PUBLIC_KEY_ALGORITHMS.some((known) => known === alg)) {
        throw new Error(`${name}: only ${PUBLIC_KEY_ALGORITHMS.join(', ')} keys are supported`);
      }
      try {
        await importJWK(jwk, alg);
      } catch (error) {
        throw new Error(`${name} does not import as ${alg}: ${(error as Error).message}`);
      }
    }),
  );
  return { keys: keys as JWK[] };
}

function isJwk(value: unknown): value is JWK {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as JWK).kty === 'string'
  );
}
