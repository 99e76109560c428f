export { accountSessions, stopSession } from './account-calls.js';
export * from './api.js';
export { ssmSession } from './ssm-session.js';
export { type AxiosTransportOptions, axiosTransport } from './transports/axios.js';
