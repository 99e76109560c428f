import { afterEach, expect, it } from 'vitest';
import { request } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { memoryStore } from '../src/index.js';

let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

it('answers 200 while the store answers', async () => {
  spec = await startSpecServer();
  const response = await request(`${spec.origin}/healthz`);
  expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
  expect(response.headers['cache-control']).toBe('no-store');
  expect((await request(`${spec.origin}/healthz`, { method: 'HEAD' })).status).toBe(200);
});

it('answers 503 with the error body when the store does not', async () => {
  const store = memoryStore();
  spec = await startSpecServer({ store });
  await store.close();
  const response = await request(`${spec.origin}/healthz`);
  expect(response).toMatchObject({
    status: 503,
    body: { errorCode: 1005, message: expect.any(String) },
  });
  expect(response.headers['retry-after']).toBe('1');
  const metrics = await request(`${spec.origin}/metrics`);
  expect(metrics.status).toBe(200);
  expect(String(metrics.body)).toMatch(/^rx_ssm_store_up 0$/m);
  expect(String(metrics.body)).not.toMatch(/^rx_ssm_live_sessions /m);
});
