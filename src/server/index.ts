/**
 * The reference SSM server: session setup, heartbeat and teardown with a per-account limit, a
 * ClearKey licence endpoint gated by SSM sessions, health and Prometheus metrics.
 *
 * @packageDocumentation
 */
export type { ClearKey, ClearKeyLicense } from './clearkey-license.js';
export {
  type ContentClaims,
  DEV_SECRET,
  type MintContentTokenOptions,
  mintContentToken,
  type SigningKeys,
  verifyContentToken,
} from './content-token.js';
export type { CorsOption } from './cors.js';
export { type MemoryStoreOptions, memoryStore } from './memory-store.js';
export {
  type RedisClusterStoreOptions,
  type RedisStoreOptions,
  redisClusterStore,
  redisStore,
} from './redis-store.js';
export { BODY_LIMIT_BYTES } from './request-body.js';
export {
  createSsmServer,
  MAX_HEARTBEAT_SECONDS,
  type SsmServer,
  type SsmServerOptions,
} from './server.js';
export { type SsmErrorBody, SsmHttpError, SsmServerErrorCode } from './ssm-http-error.js';
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
} from './store.js';
export type { WidevineRenewal } from './widevine-renewal.js';
