import { describe, expect, it } from 'vitest';
import { licenseHeaders, SsmError } from '../../src/index.js';

const ssm = { src: 'a', token: 'ct', ssmServerUrl: 'https://ssm.test/ssm' };

describe('licenseHeaders', () => {
  it('carries contentToken,sessionToken while active, in the source’s header', () => {
    expect(
      licenseHeaders({
        status: 'active',
        source: ssm,
        sessionToken: 'S1',
        heartbeatSeconds: 5,
        authorization: 'ct,S1',
        renewal: 'heartbeat',
      }),
    ).toEqual({ 'nv-authorizations': 'ct,S1' });
    expect(
      licenseHeaders({
        status: 'active',
        source: { ...ssm, tokenHeader: 'x-auth' },
        sessionToken: 'S1',
        heartbeatSeconds: 5,
        authorization: 'ct,S1',
        renewal: 'heartbeat',
      }),
    ).toEqual({ 'x-auth': 'ct,S1' });
  });

  it('carries the content token alone for a source without SSM', () => {
    expect(licenseHeaders({ src: 'p', token: 'ct' })).toEqual({ 'nv-authorizations': 'ct' });
  });

  it('carries nothing before a session is active, or without a token', () => {
    expect(licenseHeaders({ status: 'setting-up', source: ssm })).toEqual({});
    expect(licenseHeaders({ status: 'idle' })).toEqual({});
    expect(
      licenseHeaders({
        status: 'error',
        source: ssm,
        error: new SsmError({ kind: 'setup', message: 'x' }),
      }),
    ).toEqual({});
    expect(licenseHeaders(ssm)).toEqual({});
    expect(licenseHeaders({ src: 'p' })).toEqual({});
    expect(licenseHeaders(null)).toEqual({});
  });
});
