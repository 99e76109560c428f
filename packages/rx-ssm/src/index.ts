export { accountSessions, stopSession } from './account/account-calls.js';
export * from './api.js';
export { ssmSession } from './session/ssm-session.js';
export { type AxiosTransportOptions, axiosTransport } from './transports/axios.js';
