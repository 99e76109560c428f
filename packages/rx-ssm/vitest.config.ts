import { specConfig } from '../../vitest.config.ts';

/** This package's specs alone: `npm test` here, or `npm test -w rx-ssm` at the top. */
export default specConfig(['spec/**/*.spec.ts']);
