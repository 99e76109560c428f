import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';

let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

const preflight = (origin: string, path = '/v1/sessions/setup') =>
  request(`${spec.origin}${path}`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,nv-authorizations',
    },
  });

describe('CORS', () => {
  it('by default reflects any origin and allows the token header on a 204 preflight', async () => {
    spec = await startSpecServer();
    const response = await preflight('https://app.example');
    expect(response.status).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      vary: 'Origin',
    });
    const allowed = response.headers['access-control-allow-headers']?.toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'nv-authorizations']));
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers['access-control-expose-headers']).toBeUndefined();
  });

  it('allows the configured token header', async () => {
    spec = await startSpecServer({ tokenHeader: 'X-Ssm-Token' });
    const response = await preflight('https://app.example');
    expect(response.headers['access-control-allow-headers']).toContain('x-ssm-token');
  });

  it('answers the licence preflight too', async () => {
    spec = await startSpecServer();
    expect((await preflight('https://app.example', '/license/clearkey')).status).toBe(204);
  });

  it('with a list, reflects only listed origins', async () => {
    spec = await startSpecServer({ cors: ['https://good.example'] });
    const good = await preflight('https://good.example');
    expect(good.headers['access-control-allow-origin']).toBe('https://good.example');
    const bad = await preflight('https://evil.example');
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sets CORS headers on the actual response, errors included', async () => {
    spec = await startSpecServer();
    const response = await request(`${spec.base}/sessions/setup`, {
      method: 'POST',
      headers: { Origin: 'https://app.example' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('when off, sends no CORS header at all', async () => {
    spec = await startSpecServer({ cors: false });
    const response = await preflight('https://app.example');
    expect(
      Object.keys(response.headers).filter((name) => name.startsWith('access-control-')),
    ).toEqual([]);
  });

  it('does not reflect an origin that is not an origin', async () => {
    spec = await startSpecServer();
    const response = await preflight('https://app.example/path?x=1');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});
