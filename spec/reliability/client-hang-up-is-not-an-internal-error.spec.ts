import { connect } from 'node:net';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { request, ssmCall } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

/**
 * Found by the byte-level fuzz (server-fuzz.spec.ts): a client that hangs up before the end of its
 * request body (a phone losing its network mid-request) made the server log `request failed` at
 * error level and count an internal error (1000), the refusal it keeps for "a failure no request
 * should be able to cause". Alerting on either would page someone for every flaky mobile link.
 */
let spec: SpecServer;
afterEach(async () => {
  await spec?.server.close();
});

/** Sends the head and part of a body, then goes away. */
function hangUpMidBody(origin: string): Promise<void> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        'POST /v1/sessions/setup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"partial":',
      );
      setTimeout(() => socket.destroy(), 20);
    });
    socket.on('close', () => resolve());
  });
}

async function internalErrors(): Promise<number> {
  const { body } = await request(`${spec.origin}/metrics`);
  return Number(/^rx_ssm_refusals_total\{errorCode="1000"\} (\d+)$/m.exec(String(body))?.[1] ?? 0);
}

it('is neither logged as an error nor counted as an internal error, and the server serves on', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  spec = await startSpecServer({ logger });
  for (let i = 0; i < 3; i += 1) await hangUpMidBody(spec.origin);
  await new Promise((resolve) => setTimeout(resolve, 50));

  const errorLines = lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  expect(errorLines).toEqual([]);
  expect(await internalErrors()).toBe(0);
  expect((await ssmCall(spec.base, 'setup', await spec.contentToken())).status).toBe(200);
});
