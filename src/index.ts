export {
  SESSION_LIMIT_SERVER_CODE,
  SsmError,
  SsmErrorCode,
  type SsmErrorInit,
  type SsmErrorKind,
} from './error.js';
export { licenseHeaders } from './license-headers.js';
export { ssmSession } from './session.js';
export { type AxiosTransportOptions, axiosTransport } from './transports/axios.js';
export { type FetchTransportOptions, fetchTransport } from './transports/fetch.js';
export type {
  AppState,
  LicenceAnswer,
  SsmDiagnostic,
  SsmDrm,
  SsmIntents,
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
export { DEFAULT_TOKEN_HEADER, ssmBaseUrl } from './wire.js';
