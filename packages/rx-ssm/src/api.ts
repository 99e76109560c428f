/**
 * What every SDK entry point exports, whichever transport is its default: `rx-ssm` (axios) and
 * `rx-ssm/fetch` (fetch) each add their own `ssmSession`.
 */
export type {
  AccountSessions,
  AccountSessionsOptions,
  StopSession,
  StopSessionOptions,
} from './account/account-sessions.js';
export {
  SESSION_LIMIT_SERVER_CODE,
  SsmError,
  SsmErrorCode,
  type SsmErrorInit,
  type SsmErrorKind,
  STOPPED_REMOTELY_SERVER_CODE,
} from './error.js';
export type { SsmSessionFactory } from './session/session.js';
export { type FetchTransportOptions, fetchTransport } from './transports/fetch.js';
export {
  TransportError,
  type TransportFailure,
} from './transports/transport-error.js';
export type {
  AppState,
  CheckedSource,
  HeldSession,
  LicenceAnswer,
  SsmDevice,
  SsmDiagnostic,
  SsmDrm,
  SsmIntents,
  SsmLimitRule,
  SsmOptions,
  SsmRenewal,
  SsmRenewalMode,
  SsmRequest,
  SsmResponse,
  SsmSession,
  SsmSource,
  SsmState,
  SsmTransport,
} from './types.js';
export { licenseHeaders } from './wire/license-headers.js';
export { DEFAULT_TOKEN_HEADER, ssmBaseUrl } from './wire/wire.js';
