import { afterEach, expect, it } from 'vitest';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';

let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

function sample(text: string, name: string): number | undefined {
  const escaped = name.replace(/[{}"]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

it('exposes sessions, setups, refusals by errorCode, heartbeats, teardowns and expiries', async () => {
  spec = await startSpecServer({ heartbeatSeconds: 1 });
  const token = await spec.contentToken({ maxSessions: 2 });
  const tokens: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const { body } = await ssmCall(spec.base, 'setup', token);
    if (typeof body === 'object' && body && 'sessionToken' in body)
      tokens.push(String(body.sessionToken));
  }
  await ssmCall(spec.base, 'setup', 'garbage');
  const renewed = await ssmCall(spec.base, 'heartbeat', tokens[0]);
  await ssmCall(spec.base, 'heartbeat', tokens[0]); // a repeat: answered again
  await ssmCall(spec.base, 'teardown', tokens[0]); // a replaced token: refused
  await ssmCall(spec.base, 'teardown', (renewed.body as { sessionToken: string }).sessionToken);
  spec.advance(2_000);

  const metrics = await request(`${spec.origin}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = String(metrics.body);
  expect(text).toContain('# TYPE rx_ssm_live_sessions gauge');
  expect(text).toContain('# TYPE rx_ssm_setups_total counter');
  expect({
    live: sample(text, 'rx_ssm_live_sessions'),
    setups: sample(text, 'rx_ssm_setups_total'),
    limit: sample(text, 'rx_ssm_refusals_total{errorCode="1007"}'),
    malformed: sample(text, 'rx_ssm_refusals_total{errorCode="1001"}'),
    replayed: sample(text, 'rx_ssm_refusals_total{errorCode="1003"}'),
    heartbeats: sample(text, 'rx_ssm_heartbeats_total'),
    replays: sample(text, 'rx_ssm_replays_total'),
    teardowns: sample(text, 'rx_ssm_teardowns_total'),
    expiries: sample(text, 'rx_ssm_expiries_total'),
    storeUp: sample(text, 'rx_ssm_store_up'),
  }).toEqual({
    live: 0,
    setups: 2,
    limit: 1,
    malformed: 1,
    replayed: 1,
    heartbeats: 1,
    replays: 1,
    teardowns: 1,
    expiries: 1,
    storeUp: 1,
  });
});

it('reports live sessions, counted or not', async () => {
  spec = await startSpecServer();
  await ssmCall(spec.base, 'setup', await spec.contentToken());
  await ssmCall(spec.base, 'setup', await spec.contentToken({ sessionControlEnabled: false }));
  const { body } = await request(`${spec.origin}/metrics`);
  expect(sample(String(body), 'rx_ssm_live_sessions')).toBe(2);
});
