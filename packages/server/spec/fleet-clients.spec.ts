import { setTimeout as sleep } from 'node:timers/promises';
import { filter, firstValueFrom, Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyStore } from '../../../spec/support/every-store.js';
import { type RedisProcess, startRedis } from '../../../spec/support/redis.js';
import { rawRequest, request, type SpecResponse, ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { main } from '../src/cli/cli.js';
import {
  createSsmServer,
  FIRST_EXPIRY_FLOOR_SECONDS,
  type LicenceTokenPolicy,
  mintContentToken,
  type SsmStore,
} from '../src/index.js';

/**
 * The request shapes of the other clients of an operator's fleet (docs/wire-protocol.md, "Clients
 * of the fleet"), written from the protocol, each sent over HTTP as a client of that kind sends
 * it, through more than ten periods on a hand-moved clock: the session lives on and the account
 * counts it exactly once.
 */

const KID = 'a2lkLW9uZS0xMjM0NTY3OA';
const keys = { 'channel-1': [{ kid: KID, k: 'a2V5LW9uZS0xMjM0NTY3OA' }] };
const HEARTBEAT_SECONDS = 2;
const PERIOD_MS = HEARTBEAT_SECONDS * 1000;
const PERIODS = 12;
const LICENCE_REQUEST = JSON.stringify({ kids: [KID], type: 'temporary' });
const CHALLENGE = Buffer.from('widevine license-renewal message').toString('base64');

const stores = everyStore('fleet:');
const policies: LicenceTokenPolicy[] = ['rotate', 'stable'];

describe.each(stores)('clients of the fleet on the %s store', (_name, open) => {
  describe.each(policies)('licence tokens: %s', (policy) => {
    let spec: SpecServer;
    let store: SsmStore;
    let accounts = 0;
    beforeAll(async () => {
      store = open();
      spec = await startSpecServer({
        store,
        heartbeatSeconds: HEARTBEAT_SECONDS,
        licenceTokens: policy,
        // The server's own default: room for a slow first licence.
        firstExpiryFloorSeconds: FIRST_EXPIRY_FLOOR_SECONDS,
        sweepIntervalMs: false,
        clearKeys: keys,
      });
    });
    afterAll(async () => {
      await spec?.server.close();
      await store?.close();
    });

    /** A fresh account's session: its content token and first session token. */
    async function setUp(drmEnforced: boolean) {
      accounts += 1;
      const accountId = `fleet-${policy}-${accounts}`;
      const contentToken = await spec.contentToken({ accountId, drmEnforced, maxSessions: 1 });
      const setup = await ssmCall(spec.base, 'setup', contentToken);
      expect(setup.status).toBe(200);
      const { sessionToken } = setup.body as { sessionToken: string };
      return { accountId, contentToken, sessionToken };
    }

    /** A ClearKey licence request at `url`, with `authorization` in the token header. */
    const licence = (authorization: string, query = '') =>
      request(`${spec.origin}/license/clearkey${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'nv-authorizations': authorization },
        body: LICENCE_REQUEST,
      });

    const renewalWv = (sessionToken: string) =>
      request(`${spec.base}/renewal-license-wv`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'nv-authorizations': sessionToken },
        body: JSON.stringify({ challenge: CHALLENGE }),
      });

    const tokenOf = (response: SpecResponse) =>
      (response.body as { sessionToken?: string }).sessionToken;

    /** The account holds exactly one live session, then none after the teardown with `token`. */
    async function endsExactly(accountId: string, token: string) {
      expect(await spec.server.liveSessions(accountId)).toBe(1);
      expect((await ssmCall(spec.base, 'teardown', token)).status).toBe(200);
      expect(await spec.server.liveSessions(accountId)).toBe(0);
    }

    it('a PlayReady client renews at ?renew=true with the session token alone, adopting each answer', async () => {
      const { accountId, contentToken, sessionToken } = await setUp(true);
      const first = await licence(`${contentToken},${sessionToken}`);
      expect(first).toMatchObject({ status: 200, body: { keys: [{ kid: KID }] } });
      let token = tokenOf(first) as string;
      for (let period = 0; period < PERIODS; period += 1) {
        spec.advance(PERIOD_MS);
        const renewed = await licence(token, '?renew=true');
        expect(renewed).toMatchObject({ status: 200, body: { keys: [{ kid: KID }] } });
        const next = tokenOf(renewed) as string;
        if (policy === 'stable') expect(next).toBe(token);
        else expect(next).not.toBe(token);
        token = next;
        expect(await spec.server.liveSessions(accountId)).toBe(1);
      }
      await endsExactly(accountId, token);
    });

    it('a FairPlay client that keeps the token it had renews at ?renew=true for as long as the policy lets it', async () => {
      const { accountId, contentToken, sessionToken } = await setUp(true);
      expect((await licence(`${contentToken},${sessionToken}`)).status).toBe(200);
      // It never adopts a renewal answer's token: every renewal carries the first one.
      const answers: number[] = [];
      for (let period = 0; period < PERIODS; period += 1) {
        spec.advance(PERIOD_MS);
        answers.push((await licence(sessionToken, '?renew=true')).status);
      }
      if (policy === 'stable') {
        expect(answers).toEqual(Array(PERIODS).fill(200));
        await endsExactly(accountId, sessionToken);
      } else {
        // Why `stable` exists: under `rotate` such a client falls a token behind and is lost.
        expect(answers).toContain(401);
        expect(await spec.server.liveSessions(accountId)).toBe(0);
      }
    });

    it('a Widevine client sends license-renewal to renewal-license-wv in heartbeat mode too', async () => {
      const { accountId, contentToken, sessionToken } = await setUp(false);
      const first = await licence(`${contentToken},${sessionToken}`);
      expect(first.status).toBe(200);
      expect(tokenOf(first)).toBeUndefined();
      let token = sessionToken;
      for (let period = 0; period < PERIODS; period += 1) {
        spec.advance(PERIOD_MS);
        // The CDM's renewal: answered with the licence, the session left as it was.
        const renewal = await renewalWv(token);
        expect(renewal).toMatchObject({ status: 200, body: { sessionToken: token } });
        const heartbeat = await ssmCall(spec.base, 'heartbeat', token);
        expect(heartbeat.status).toBe(200);
        token = tokenOf(heartbeat) as string;
        expect(await spec.server.liveSessions(accountId)).toBe(1);
      }
      await endsExactly(accountId, token);
    });

    it('a Widevine client of an enforced session renews through renewal-license-wv', async () => {
      const { accountId, contentToken, sessionToken } = await setUp(true);
      let token = tokenOf(await licence(`${contentToken},${sessionToken}`)) as string;
      for (let period = 0; period < PERIODS; period += 1) {
        spec.advance(PERIOD_MS);
        const renewal = await renewalWv(token);
        expect(renewal.status).toBe(200);
        token = tokenOf(renewal) as string;
        expect(await spec.server.liveSessions(accountId)).toBe(1);
      }
      await endsExactly(accountId, token);
    });

    it('a client that starts its heartbeats only after a slow first licence keeps its session', async () => {
      const { accountId, contentToken, sessionToken } = await setUp(false);
      // Its first licence answer came after 2.3 periods (4.6 s at a 2 s period).
      spec.advance(2.3 * PERIOD_MS);
      expect((await licence(`${contentToken},${sessionToken}`)).status).toBe(200);
      let token = sessionToken;
      spec.advance(PERIOD_MS);
      for (let period = 0; period < PERIODS; period += 1) {
        const heartbeat = await ssmCall(spec.base, 'heartbeat', token);
        expect(heartbeat.status).toBe(200);
        token = tokenOf(heartbeat) as string;
        expect(await spec.server.liveSessions(accountId)).toBe(1);
        spec.advance(PERIOD_MS);
      }
      await endsExactly(accountId, token);
    });

    it('concurrent renewals with one token leave one session, renewed', async () => {
      const { accountId, contentToken, sessionToken } = await setUp(true);
      const token = tokenOf(await licence(`${contentToken},${sessionToken}`)) as string;
      spec.advance(PERIOD_MS);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => licence(token, '?renew=true')),
      );
      const granted = answers.filter((answer) => answer.status === 200);
      const next = new Set(granted.map(tokenOf));
      // One next token either way: kept (stable), or the one rotation and its repeats (rotate).
      expect(next.size).toBe(1);
      expect(granted.length).toBe(8);
      expect(await spec.server.liveSessions(accountId)).toBe(1);
      await endsExactly(accountId, [...next][0] as string);
    });

    it('a session token alone outside a renewal, or an unknown one, is refused with a JSON error', async () => {
      const { accountId, sessionToken } = await setUp(true);
      expect(await licence(sessionToken)).toMatchObject({
        status: 401,
        body: { errorCode: 1001 },
      });
      expect(await licence('unknown-token-of-the-right-shape-00000', '?renew=true')).toMatchObject({
        status: 401,
        body: { errorCode: 1003 },
      });
      await endsExactly(accountId, sessionToken);
    });
  });
});

describe('every answer of the server is JSON with an errorCode', () => {
  let spec: SpecServer;
  beforeAll(async () => {
    spec = await startSpecServer({ headersTimeoutMs: 200, requestTimeoutMs: 200 });
  });
  afterAll(async () => {
    await spec?.server.close();
  });

  const refusal = (status: number) => ({
    status,
    headers: { 'content-type': expect.stringContaining('application/json') },
    body: { errorCode: expect.any(Number), message: expect.any(String) },
  });

  it.each([
    ['an unknown path', () => request(`${spec.origin}/nothing/here`, { method: 'POST' }), 404],
    ['a wrong method', () => request(`${spec.base}/sessions/setup`), 405],
    [
      'a body that is not JSON',
      () => request(`${spec.base}/sessions/setup`, { method: 'POST', body: 'nope' }),
      400,
    ],
    [
      'a body over the limit',
      () => request(`${spec.base}/sessions/setup`, { method: 'POST', body: 'x'.repeat(20_000) }),
      413,
    ],
    ['a request that is not HTTP', () => rawRequest(spec.origin, 'NOT HTTP AT ALL\r\n\r\n'), 400],
    [
      'headers too large',
      () =>
        rawRequest(
          spec.origin,
          `POST /v1/sessions/setup HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        ),
      431,
    ],
    [
      'a request that never arrives whole',
      () =>
        rawRequest(
          spec.origin,
          'POST /v1/sessions/setup HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{',
        ),
      408,
    ],
  ])('%s', async (_what, send, status) => {
    expect(await send()).toMatchObject(refusal(status));
  });
});

describe('rx-ssm serve --licence-tokens stable, in real time', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const SECRET = 'fleet-cli-secret-of-at-least-thirty-two-bytes';
  const PERIOD_S = 0.5;

  /** Runs `rx-ssm serve` in this process until `body` is done; answers its exit code. */
  async function served(extra: string[], body: (origin: string) => Promise<void>) {
    const stderr: string[] = [];
    const stop = new AbortController();
    const args = ['--port', '0', '--secret', SECRET, '--heartbeat', String(PERIOD_S)];
    const running = main(
      ['node', 'rx-ssm', 'serve', ...args, '--min-heartbeat', '0.1', '--no-example', ...extra],
      {
        stdout: { write: () => true },
        stderr: { write: (text: string) => stderr.push(text) },
        signal: stop.signal,
      },
    );
    try {
      const origin = await firstValueFrom(
        new Observable<string | undefined>((subscriber) => {
          const timer = setInterval(() => {
            const line = stderr.find((text) => text.includes('SSM server listening'));
            subscriber.next(line && (JSON.parse(line) as { url?: string }).url);
          }, 5);
          return () => clearInterval(timer);
        }).pipe(filter((url): url is string => url !== undefined)),
      );
      await body(origin);
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
  }

  it.each([
    ['memory', () => []],
    ['Redis', () => ['--redis', redis.url]],
  ])(
    'on the %s store, a FairPlay client that keeps its token and a PlayReady one live 10 periods',
    async (name, storeArgs) => {
      await served(
        ['--licence-tokens', 'stable', '--log-format', 'json', ...storeArgs()],
        async (origin) => {
          const base = `${origin}/v1`;
          const licence = (authorization: string, query = '') =>
            request(`${origin}/license/clearkey${query}`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'nv-authorizations': authorization },
              body: LICENCE_REQUEST,
            });
          /** One client: set up, first licence, then a renewal with `next(token)` each period. */
          const client = async (accountId: string, adopts: boolean) => {
            const contentToken = await mintContentToken({
              secret: SECRET,
              accountId,
              contentId: 'channel-1',
              maxSessions: 1,
              drmEnforced: true,
            });
            const setup = await ssmCall(base, 'setup', contentToken);
            let token = (setup.body as { sessionToken: string }).sessionToken;
            const first = await licence(`${contentToken},${token}`);
            const statuses = [first.status];
            for (let period = 0; period < 10; period += 1) {
              await sleep(PERIOD_S * 1000);
              const renewed = await licence(token, '?renew=true');
              statuses.push(renewed.status);
              if (adopts) token = (renewed.body as { sessionToken?: string }).sessionToken ?? token;
            }
            // Still its one session: a second setup of the account is refused at the limit.
            const second = await ssmCall(base, 'setup', contentToken);
            const teardown = await ssmCall(base, 'teardown', token);
            return { statuses, second: second.status, teardown: teardown.status };
          };
          const [fairPlay, playReady] = await Promise.all([
            client(`fp-${name}`, false),
            client(`pr-${name}`, true),
          ]);
          for (const outcome of [fairPlay, playReady]) {
            expect(outcome).toEqual({ statuses: Array(11).fill(200), second: 403, teardown: 200 });
          }
        },
      );
    },
  );
});

it('refuses a licence-token policy or a first-expiry floor it does not know', () => {
  const policy = 'sometimes' as LicenceTokenPolicy;
  expect(() => createSsmServer({ logger: false, licenceTokens: policy })).toThrow(RangeError);
  for (const floor of [-1, Number.NaN, 200_000]) {
    expect(() => createSsmServer({ logger: false, firstExpiryFloorSeconds: floor })).toThrow(
      RangeError,
    );
  }
});
