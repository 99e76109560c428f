import axios from 'axios';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answer,
  endlessBody,
  type HostileServer,
  hostileServer,
  redirectTo,
  trickleBody,
} from '../../../../spec/support/hostile-server.js';
import { type SeenRequest, scriptedHttpServer } from '../../../../spec/support/http-echo.js';
import { accountSessionsWith, stopSessionWith } from '../../src/account/account-sessions.js';
import { SsmError } from '../../src/error.js';
import { axiosTransport } from '../../src/transports/axios.js';
import { fetchTransport } from '../../src/transports/fetch.js';
import type { SsmSource, SsmTransport } from '../../src/types.js';

const listing = {
  sessions: [
    {
      sessionId: 'sid-1',
      contentId: 'channel-1',
      device: { name: 'Phone', type: 'phone' },
      sameDevice: true,
      startedAt: '2026-01-02T03:04:05.000Z',
      renewedAt: '2026-01-02T03:05:05.000Z',
    },
  ],
};

let server: Awaited<ReturnType<typeof scriptedHttpServer>>;
let hostile: HostileServer;
let elsewhere: HostileServer;

beforeAll(async () => {
  server = await scriptedHttpServer((req: SeenRequest) => {
    if (req.url.includes('/gone/'))
      return { status: 404, body: '{"errorCode":1009,"message":"no such session"}' };
    if (req.url.endsWith('/sessions/stop')) return { status: 200, body: '{}' };
    return { status: 200, body: JSON.stringify(listing) };
  });
  elsewhere = await hostileServer(() => answer(200, JSON.stringify(listing)));
  hostile = await hostileServer((url) => {
    if (url.startsWith('/trickle/')) return trickleBody(100);
    if (url.startsWith('/endless/')) return endlessBody();
    if (url.startsWith('/redirect/')) return redirectTo(307, `${elsewhere.url}/ssm/v1/sessions`);
    return answer(404, '{}');
  });
});
afterAll(async () => {
  await server.close();
  await hostile.close();
  await elsewhere.close();
});

const source = (base: string, prefix: string): SsmSource => ({
  src: 'a.mpd',
  token: 'ct-a',
  ssmServerUrl: `${base}/${prefix}`,
});
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe.each([
  ['axiosTransport', () => axiosTransport(axios, { timeoutMs: 300 })],
  ['fetchTransport', () => fetchTransport({ timeoutMs: 300 })],
] as [string, () => SsmTransport][])(
  'account calls on %s against a real HTTP server',
  (_name, make) => {
    const accountSessions = accountSessionsWith(make);
    const stopSession = stopSessionWith(make);

    it('accountSessions sends a GET without a body, with the content token and the device id, and emits the sessions once', async () => {
      const before = server.seen.length;
      const emitted = await lastValueFrom(
        accountSessions(source(server.url, 'ok'), { device: { id: 'tv-1', name: 'TV' } }).pipe(
          toArray(),
        ),
      );
      expect(emitted).toEqual([
        [
          {
            ...listing.sessions[0],
            startedAt: new Date('2026-01-02T03:04:05.000Z'),
            renewedAt: new Date('2026-01-02T03:05:05.000Z'),
          },
        ],
      ]);
      const seen = server.seen[before];
      expect(seen).toMatchObject({ method: 'GET', url: '/ok/v1/sessions', body: '' });
      expect(seen?.headers).toMatchObject({
        'nv-authorizations': 'ct-a',
        'x-ssm-device-id': 'tv-1',
      });
      // Only the id: the name is none of the listing's business.
      expect(JSON.stringify(seen?.headers)).not.toContain('TV"');
    });

    it('stopSession posts the session id and emits once', async () => {
      const before = server.seen.length;
      const emitted = await lastValueFrom(
        stopSession(source(server.url, 'ok'), 'sid-1').pipe(toArray()),
      );
      expect(emitted).toEqual([undefined]);
      expect(server.seen[before]).toMatchObject({
        method: 'POST',
        url: '/ok/v1/sessions/stop',
        body: '{"sessionId":"sid-1"}',
      });
    });

    it('a stop refused with 1009 is an account SsmError (6004, not fatal) with the server code', async () => {
      const error = await failure(firstValueFrom(stopSession(source(server.url, 'gone'), 'sid-9')));
      expect(error).toBeInstanceOf(SsmError);
      expect(error).toMatchObject({
        kind: 'account',
        code: 6004,
        fatal: false,
        httpStatus: 404,
        serverCode: 1009,
      });
    });

    it('an answer that trickles past the deadline is a 6004 with no httpStatus', async () => {
      const error = await failure(firstValueFrom(accountSessions(source(hostile.url, 'trickle'))));
      expect(error).toMatchObject({ kind: 'account', code: 6004 });
      expect((error as SsmError).httpStatus).toBeUndefined();
      expect((error as Error).message).toContain('no complete response within 300 ms');
    });

    it('an endless listing is cut at the size cap: a 6004, the connection closed', async () => {
      const error = await failure(firstValueFrom(accountSessions(source(hostile.url, 'endless'))));
      expect(error).toMatchObject({ kind: 'account', code: 6004 });
      expect((error as Error).message).toContain('answer larger than 65536 bytes');
      await hostile.exchanges.at(-1)?.closed;
    });

    it('a redirect is not followed: the token never reaches the other origin', async () => {
      const error = await failure(firstValueFrom(accountSessions(source(hostile.url, 'redirect'))));
      expect(error).toMatchObject({ kind: 'account', code: 6004, httpStatus: 307 });
      expect(elsewhere.connections()).toBe(0);
    });

    it.each([
      [
        'a source without a content token',
        { ...source('http://127.0.0.1:1', 'x'), token: undefined },
        'sid-1',
      ],
      [
        'a token with a line break',
        { ...source('http://127.0.0.1:1', 'x'), token: 'ct\r\nX: 1' },
        'sid-1',
      ],
      ['a session id with a line break', source('http://127.0.0.1:1', 'x'), 'sid\n1'],
      [
        'a session id that is not a string',
        source('http://127.0.0.1:1', 'x'),
        42 as unknown as string,
      ],
    ])('%s is refused before anything is sent, with a 6004', async (_case, bad, sessionId) => {
      const before = server.seen.length;
      const error = await failure(firstValueFrom(stopSession(bad, sessionId)));
      expect(error).toMatchObject({ kind: 'account', code: 6004, fatal: false });
      expect((error as Error).message).toMatch(/^SSM account call not sent: /);
      expect((error as Error).message).not.toContain('ct\r\n');
      expect(server.seen.length).toBe(before);
    });

    it('a device id that cannot go in a header is refused before anything is sent', async () => {
      const before = server.seen.length;
      const error = await failure(
        firstValueFrom(accountSessions(source(server.url, 'ok'), { device: { id: 'tv\r\n1' } })),
      );
      expect(error).toMatchObject({ kind: 'account', code: 6004 });
      expect(server.seen.length).toBe(before);
    });
  },
);
