// Regression: the server accepted any positive heartbeat period, e.g. 0.001 s (a renewal storm)
// or ten years (a slot held for twenty). The wire protocol bounds it to 1 … 86,400 s; the
// server now refuses to start outside that, and the CLI says so.
import { expect, it } from 'vitest';
import { main } from '../src/cli/cli.js';
import { createSsmServer } from '../src/index.js';

it.each([0, 0.5, 86_401, Number.NaN, -1])('createSsmServer refuses a period of %s s', (seconds) => {
  expect(() => createSsmServer({ logger: false, heartbeatSeconds: seconds })).toThrow(RangeError);
});

it.each([1, 86_400])('createSsmServer accepts a period of %s s', async (seconds) => {
  const server = createSsmServer({ logger: false, heartbeatSeconds: seconds });
  await server.close();
});

it('accepts a shorter period only with a lower minHeartbeatSeconds, never 0', () => {
  const server = createSsmServer({
    logger: false,
    heartbeatSeconds: 0.05,
    minHeartbeatSeconds: 0.05,
  });
  void server.close();
  expect(() => createSsmServer({ logger: false, minHeartbeatSeconds: 0 })).toThrow(RangeError);
});

it.each(['0', '0.5', '86401', 'soon'])(
  'rx-ssm serve --heartbeat %s exits non-zero, saying why',
  async (value) => {
    let err = '';
    const io = { stdout: { write: () => 0 }, stderr: { write: (text: string) => (err += text) } };
    expect(
      await main(['node', 'rx-ssm', 'serve', '--port', '0', '--heartbeat', value], io),
    ).not.toBe(0);
    expect(err).toMatch(/--heartbeat.*from 1 to 86400/s);
  },
);
