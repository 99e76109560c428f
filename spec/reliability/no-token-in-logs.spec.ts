import { Writable } from 'node:stream';
import { pino } from 'pino';
import { filter, firstValueFrom, Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { axiosTransport, type SsmSource, type SsmState } from '../../packages/rx-ssm/src/index.js';
import { main } from '../../packages/server/src/cli/cli.js';
import { mintContentToken } from '../../packages/server/src/index.js';
import { type PipelineHarness, pipelineHarness } from '../support/pipeline-harness.js';
import { request, ssmCall } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

/**
 * No token, content or session, ever reaches the server's logs: a full lifecycle driven by the
 * SDK over HTTP (setups, rotating heartbeats, a zap, licence requests, an expiry in the background
 * and its 6003, play, stop), plus refused and hostile calls, with the server logging at `trace`
 * into a stream. Every token the SDK sent or received is then looked for in every line.
 */
let spec: SpecServer | undefined;
afterEach(async () => {
  await spec?.server.close();
  spec = undefined;
});

/** A pino destination that keeps every line. */
function captured(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

/** Every token a pipeline sent or was given, and the signature part of content tokens. */
function tokensOf(pipeline: PipelineHarness, contentTokens: string[]): string[] {
  const tokens = new Set<string>();
  for (const exchange of pipeline.ledger.exchanges) {
    for (const part of exchange.token.split(',')) tokens.add(part);
    const body = exchange.body as { sessionToken?: unknown } | undefined;
    if (typeof body?.sessionToken === 'string') tokens.add(body.sessionToken);
  }
  for (const token of contentTokens) {
    tokens.add(token);
    tokens.add(token.split('.')[2] ?? token);
  }
  return [...tokens].filter((token) => token.length >= 16);
}

const isActive = (src: string) => (s: SsmState) => s.status === 'active' && s.source.src === src;

/** The lifecycle every log check drives, through `base` (`{origin}/acme/ssm`). */
async function fullLifecycle(
  origin: string,
  mint: (
    contentId: string,
    overrides?: { ttlSeconds?: number; secret?: string },
  ) => Promise<string>,
  expireSessions: () => void,
) {
  const url = `${origin}/acme/ssm`;
  const [ta, tb] = await Promise.all([mint('channel-1'), mint('channel-2')]);
  const a: SsmSource = { src: 'a.mpd', token: ta, ssmServerUrl: url };
  const b: SsmSource = { src: 'b.mpd', token: tb, ssmServerUrl: url };
  const pipeline = pipelineHarness(axiosTransport());

  pipeline.source$.next(a);
  await pipeline.until(isActive('a.mpd'), 'a active');
  await pipeline.waitFor(
    () =>
      pipeline.ledger.exchanges.filter((e) => e.call === 'heartbeat' && e.status === 200).length >=
      3,
    'three renewals',
  );
  const active = pipeline.last();
  const authorization = active?.status === 'active' ? active.authorization : '';
  await request(`${origin}/license/clearkey`, {
    method: 'POST',
    headers: { 'nv-authorizations': authorization },
    body: '{"kids":[]}',
  });
  pipeline.source$.next(b);
  await pipeline.until(isActive('b.mpd'), 'b active');
  pipeline.appState$.next('background');
  expireSessions();
  await new Promise((resolve) => setTimeout(resolve, 250));
  pipeline.appState$.next('active');
  await pipeline.until((s) => s.status === 'error', 'the 6003 of the expired session');
  pipeline.play$.next();
  await pipeline.until(isActive('b.mpd'), 'b active again');
  pipeline.stop$.next();
  await pipeline.until((s) => s.status === 'idle', 'idle after the stop');
  pipeline.unsubscribe();

  // Refused and hostile calls carry tokens too.
  const expired = await mint('channel-1', { ttlSeconds: 1 });
  const forged = await mint('channel-1', { secret: 'another-secret-of-thirty-two-bytes!!' });
  const rotatedOut = pipeline.ledger.exchanges.find((e) => e.call === 'heartbeat')?.token ?? '';
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const base = `${url}/v1`;
  await ssmCall(base, 'setup', expired);
  await ssmCall(base, 'setup', forged);
  await ssmCall(base, 'setup', `${ta},${rotatedOut}`);
  await ssmCall(base, 'heartbeat', rotatedOut);
  await ssmCall(base, 'teardown', `${ta},${rotatedOut}`);
  await request(`${origin}/license/clearkey`, {
    method: 'POST',
    headers: { 'nv-authorizations': `${forged},${rotatedOut}` },
    body: '{"kids":[]}',
  });
  return { pipeline, contentTokens: [ta, tb, expired, forged] };
}

function expectNoToken(lines: string[], tokens: string[]) {
  const log = lines.join('\n');
  const leaked = tokens.filter((token) => log.includes(token));
  expect(leaked).toEqual([]);
}

describe('the server logs', () => {
  it('hold no token through a full SDK-driven lifecycle (createSsmServer, trace level)', async () => {
    const { stream, lines } = captured();
    spec = await startSpecServer({
      logger: pino({ level: 'trace' }, stream),
      heartbeatSeconds: 0.1,
      clearKeys: { 'channel-1': [{ kid: 'a2lk', k: 'a2V5' }] },
    });
    const started = spec;
    const { pipeline, contentTokens } = await fullLifecycle(
      started.origin,
      (contentId, overrides) => started.contentToken({ contentId, maxSessions: 5, ...overrides }),
      () => started.advance(1000),
    );
    const tokens = tokensOf(pipeline, contentTokens);
    expect(tokens.length).toBeGreaterThan(10);
    // The logs did speak of these sessions: by fingerprint, never by token.
    const log = lines.join('\n');
    for (const message of ['session set up', 'session renewed', 'session torn down', 'request']) {
      expect(log).toContain(`"msg":"${message}"`);
    }
    expect(log).toMatch(/"sid":"[A-Za-z0-9_-]{12}"/);
    expectNoToken(lines, tokens);
  });

  it('hold no token when the server runs from the command line (rx-ssm serve, LOG_LEVEL=debug)', async () => {
    const stderr: string[] = [];
    const stdout: string[] = [];
    const stop = new AbortController();
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    const secret = 'cli-secret-of-at-least-thirty-two-bytes!';
    const served = main(
      [
        'node',
        'rx-ssm',
        'serve',
        '--port',
        '0',
        '--secret',
        secret,
        '--heartbeat',
        '0.1',
        '--min-heartbeat',
        '0.1',
        // A session expires two periods after its setup, as the lifecycle below waits for.
        '--first-expiry-floor',
        '0',
        '--no-example',
      ],
      {
        stdout: { write: (text: string) => stdout.push(text) },
        stderr: { write: (text: string) => stderr.push(text) },
        signal: stop.signal,
      },
    );
    try {
      const listening = await firstValueFrom(
        // The origin is in the "listening" log line.
        new Observable<string | undefined>((subscriber) => {
          const timer = setInterval(() => {
            const line = stderr.find((text) => text.includes('SSM server listening'));
            const origin = line && (JSON.parse(line) as { url?: string }).url;
            if (origin) subscriber.next(origin);
          }, 5);
          return () => clearInterval(timer);
        }).pipe(filter((origin): origin is string => origin !== undefined)),
      );
      // The CLI's clock is the real one: a session expires by waiting two periods.
      const { pipeline, contentTokens } = await fullLifecycle(
        listening,
        (contentId, overrides) =>
          mintContentToken({
            secret: overrides?.secret ?? secret,
            accountId: 'cli-logs',
            contentId,
            maxSessions: 5,
            ...(overrides?.ttlSeconds !== undefined && { ttlSeconds: overrides.ttlSeconds }),
          }),
        () => undefined,
      );
      const lines = stderr.flatMap((text) => text.split('\n')).filter(Boolean);
      expect(lines.some((line) => line.includes('"msg":"session renewed"'))).toBe(true);
      expectNoToken([...lines, ...stdout], tokensOf(pipeline, contentTokens));
    } finally {
      stop.abort();
      expect(await served).toBe(0);
      if (level === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = level;
    }
  });
});
