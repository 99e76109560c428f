import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { request, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { serverLogger } from '../src/http/logger.js';

let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

it('never writes a content or session token to the logs', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  spec = await startSpecServer({ logger, clearKeys: { 'channel-1': [{ kid: 'a', k: 'b' }] } });
  const contentToken = await spec.contentToken({ maxSessions: 1 });
  const setup = await ssmCall(spec.base, 'setup', contentToken);
  const first = (setup.body as { sessionToken: string }).sessionToken;
  await ssmCall(spec.base, 'setup', contentToken);
  const renewed = await ssmCall(spec.base, 'heartbeat', first);
  const second = (renewed.body as { sessionToken: string }).sessionToken;
  await ssmCall(spec.base, 'heartbeat', first);
  await request(`${spec.origin}/license/clearkey`, {
    method: 'POST',
    headers: { 'nv-authorizations': `${contentToken},${second}` },
    body: '{"kids":[]}',
  });
  await ssmCall(spec.base, 'teardown', second);
  await ssmCall(spec.base, 'setup', `${contentToken.slice(0, -4)}AAAA`);

  const log = lines.join('');
  expect(lines.length).toBeGreaterThan(5);
  expect(log).toContain('session set up');
  for (const secret of [contentToken, first, second, contentToken.split('.')[2]!]) {
    expect(log).not.toContain(secret);
  }
});

it('redacts token fields even when the caller logs them through the server logger', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  serverLogger(logger, 'nv-authorizations')?.info(
    {
      sessionToken: 's3cr3t',
      req: { headers: { 'nv-authorizations': 'h3ad3r' } },
      nested: { token: 't0k3n' },
    },
    'hello',
  );
  expect(lines.join('')).not.toMatch(/s3cr3t|h3ad3r|t0k3n/);
  expect(lines.join('')).toContain('[redacted]');
});
