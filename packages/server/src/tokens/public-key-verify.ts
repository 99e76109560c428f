import { errors, type JWTVerifyOptions, jwtVerify } from 'jose';
import {
  contentTokenMalformed,
  contentTokenRejected,
  SsmHttpError,
} from '../http/ssm-http-error.js';
import { PUBLIC_KEY_ALGORITHMS } from './public-key-set.js';
import type { PublicKeys } from './public-keys.js';

/** What every content token is checked for besides its signature. */
export interface ClaimChecks {
  /** `iss` must be this (or one of these). */
  issuer?: string | readonly string[];
  /** `aud` must name this (or one of these). */
  audience?: string | readonly string[];
  /** Leeway on `exp` and `nbf`, in seconds. */
  clockSkewSeconds?: number;
}

/**
 * The refusal for what jose threw: 1002 for a token that is well formed but not to be trusted
 * here (signature, key, lifetime, issuer, audience), 1001 for one that is malformed.
 */
export function refusalOf(error: unknown): unknown {
  if (error instanceof SsmHttpError) return error;
  if (error instanceof errors.JWTExpired) return contentTokenRejected('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return contentTokenRejected('is not valid yet');
    if (error.claim === 'iss') return contentTokenRejected('is from another issuer');
    if (error.claim === 'aud') return contentTokenRejected('is for another audience');
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return contentTokenRejected('is signed with an unknown key');
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return contentTokenRejected('signature is not valid');
  }
  if (error instanceof errors.JOSEError) return contentTokenMalformed('is malformed');
  return error;
}

/** jose's options for the checks, at `now`. */
export function joseOptionsOf(checks: ClaimChecks, now: number): JWTVerifyOptions {
  return {
    algorithms: [...PUBLIC_KEY_ALGORITHMS],
    currentDate: new Date(now),
    requiredClaims: ['exp'],
    clockTolerance: checks.clockSkewSeconds ?? 0,
    ...(checks.issuer !== undefined && { issuer: checks.issuer as string | string[] }),
    ...(checks.audience !== undefined && { audience: checks.audience as string | string[] }),
  };
}

/** The payload of a token signed with one of `keys`, verified by jose; throws 1001 or 1002. */
export async function publicKeyVerifiedPayload(
  jws: string,
  keys: PublicKeys,
  checks: ClaimChecks,
  now: number,
): Promise<Record<string, unknown>> {
  try {
    const { payload } = await jwtVerify(jws, keys.keyFor, joseOptionsOf(checks, now));
    return payload as Record<string, unknown>;
  } catch (error) {
    throw refusalOf(error);
  }
}
