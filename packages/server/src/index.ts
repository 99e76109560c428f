/**
 * The reference SSM server: session setup, heartbeat and teardown with a per-account limit, a
 * ClearKey licence endpoint gated by SSM sessions, health and Prometheus metrics.
 *
 * @packageDocumentation
 */
export type { ClearKey, ClearKeyLicense } from './calls/clearkey-license.js';
export type { LicenceTokenPolicy } from './calls/session-calls.js';
export type { WidevineRenewal } from './calls/widevine-renewal.js';
export type { CorsOption } from './http/cors.js';
export { BODY_LIMIT_BYTES } from './http/request-body.js';
export {
  createSsmServer,
  FIRST_EXPIRY_FLOOR_SECONDS,
  MAX_HEARTBEAT_SECONDS,
  type SsmServer,
  type SsmServerOptions,
} from './http/server.js';
export { type SsmErrorBody, SsmHttpError, SsmServerErrorCode } from './http/ssm-http-error.js';
export { type MemoryStoreOptions, memoryStore } from './stores/memory/memory-store.js';
export {
  type RedisClusterStoreOptions,
  type RedisStoreOptions,
  redisClusterStore,
  redisStore,
} from './stores/redis/redis-store.js';
export {
  type Admission,
  type AdmissionResult,
  type EndReason,
  type HeldSession,
  type LimitRule,
  type OnLimit,
  type RenewalTerms,
  type RotationResult,
  type SessionHolder,
  type SessionLimits,
  type SsmStore,
  type StoredSession,
  type StoreResult,
  StoreUnavailableError,
} from './stores/store.js';
export {
  type ContentClaims,
  DEV_SECRET,
  type MintContentTokenOptions,
  mintContentToken,
  type SigningKeys,
  verifyContentToken,
} from './tokens/content-token.js';
export type { JwksFetchLimits } from './tokens/jwks-fetch.js';
export { PUBLIC_KEY_ALGORITHMS } from './tokens/public-key-set.js';
export type { ClaimChecks } from './tokens/public-key-verify.js';
export type { JwksFetchOptions, PublicKeyOptions, PublicKeys } from './tokens/public-keys.js';
