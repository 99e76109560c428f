// The server's content-token verdicts as they were when jose verified every token: the
// differential specs compare today's verifier against these, token by token.
import { errors } from 'jose';
import {
  contentTokenMalformed,
  contentTokenRejected,
  SsmHttpError,
} from '../../src/http/ssm-http-error.js';

/**
 * The SSM refusal a jose error stood for (1001 malformed, 1002 rejected, with jose's reason);
 * an SSM error passes as it is, anything else is rethrown as the crash it is.
 */
export function refusalOfJoseError(error: unknown): never {
  if (error instanceof SsmHttpError) throw error;
  if (error instanceof errors.JWTExpired) throw contentTokenRejected('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') throw contentTokenRejected('is not valid yet');
    if (error.claim === 'iss') throw contentTokenRejected('is from another issuer');
    if (error.claim === 'aud') throw contentTokenRejected('is for another audience');
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    throw contentTokenRejected('is signed with an unknown key');
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    throw contentTokenRejected('signature is not valid');
  }
  if (error instanceof errors.JOSEError) throw contentTokenMalformed('is malformed');
  throw error;
}

/** A verdict as data: the claims, or the refusal's status, code and message; else the crash. */
export async function outcome(verdict: Promise<unknown>) {
  try {
    return { claims: await verdict };
  } catch (error) {
    if (!(error instanceof SsmHttpError)) return { crash: String(error) };
    return { status: error.status, errorCode: error.errorCode, message: error.message };
  }
}
