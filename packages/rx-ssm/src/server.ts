/**
 * `rx-ssm/server`: the reference SSM server, which lives in its own package (`rx-ssm-server`)
 * so that apps which only play install none of its dependencies. Install it beside rx-ssm to
 * import it from here: `npm install rx-ssm-server`.
 *
 * @module
 */
export * from 'rx-ssm-server';
