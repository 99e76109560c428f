/**
 * `rx-ssm/react`: an SSM session owned by a React component ({@link useSsmSession}).
 *
 * @module
 */
export {
  type SsmSessionProps,
  type UseSsmSession,
  type UseSsmSessionOptions,
  useSsmSession,
} from './use-ssm-session.js';
