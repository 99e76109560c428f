import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Drm } from 'react-native-video';
import { BehaviorSubject, filter, firstValueFrom, Subject, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type SpecServer, startSpecServer } from '../../../../spec/support/ssm-server.js';
import {
  fetchTransport,
  type LicenceAnswer,
  type SsmSource,
  type SsmState,
  ssmSession,
} from '../../src/index.js';
import { fairPlayGetLicense, videoDrm } from '../../src/react-native/index.js';

const keys = { 'channel-1': [{ kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' }] };
const active: SsmState = {
  status: 'active',
  source: { src: 'a', token: 'ct', ssmServerUrl: 'https://ssm.test/ssm' },
  sessionToken: 'S1',
  heartbeatSeconds: 5,
  authorization: 'ct,S1',
  renewal: 'heartbeat',
};

describe('videoDrm: react-native-video’s drm with the token header', () => {
  it('keeps the app’s drm (its own Drm type) and adds contentToken,sessionToken', () => {
    const drm: Drm = { licenseServer: 'https://licence.test', headers: { 'x-app': '1' } };
    const withSsm = videoDrm(active, drm);
    expectTypeOf(withSsm).toEqualTypeOf<Drm>();
    expect(withSsm).toEqual({
      licenseServer: 'https://licence.test',
      headers: { 'x-app': '1', 'nv-authorizations': 'ct,S1' },
    });
  });

  it('adds no session token while the session is not active', () => {
    expect(videoDrm({ status: 'idle' }, { headers: {} }).headers).toEqual({});
  });
});

describe('fairPlayGetLicense against the reference server', () => {
  let spec: SpecServer;
  let fairPlay: Server;
  let fairPlayUrl: string;
  const spcs: string[] = [];

  beforeAll(async () => {
    spec = await startSpecServer({ heartbeatSeconds: 5, clearKeys: keys });
    // A FairPlay licence server in front of SSM: it asks the reference server's licence
    // endpoint with the player's token header (which rotates an enforced session) and answers
    // FairPlay's JSON wrapper, the CKC standing in as the ClearKey licence bytes.
    fairPlay = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      spcs.push(Buffer.concat(chunks).toString());
      const answer = await fetch(`${spec.origin}/license/clearkey`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'nv-authorizations': String(req.headers['nv-authorizations']),
        },
        body: '{"kids":[],"type":"temporary"}',
      });
      const licence = (await answer.json()) as { sessionToken?: string };
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          CkcMessage: Buffer.from(JSON.stringify(licence)).toString('base64'),
          sessionToken: licence.sessionToken,
        }),
      );
    });
    await new Promise<void>((resolve) => fairPlay.listen(0, '127.0.0.1', resolve));
    fairPlayUrl = `http://127.0.0.1:${(fairPlay.address() as AddressInfo).port}/fps`;
  });
  afterAll(async () => {
    await new Promise((resolve) => fairPlay?.close(resolve));
    await spec?.server.close();
  });

  it('is a react-native-video getLicense (types)', () => {
    const getLicense = fairPlayGetLicense(
      { session$: new Subject() },
      {
        src: 'a',
        licence: new Subject(),
      },
    );
    expectTypeOf(getLicense).toMatchTypeOf<NonNullable<Drm['getLicense']>>();
  });

  it('sends the SPC with the session token, resolves the CKC as base64, and the session takes the licence token', async () => {
    const token = await spec.contentToken({ accountId: 'fps', drmEnforced: true, maxSessions: 1 });
    const source: SsmSource = { src: 'channel-1.m3u8', token, ssmServerUrl: `${spec.origin}/ssm` };
    const licence$ = new Subject<LicenceAnswer>();
    const session = ssmSession(
      { source$: new BehaviorSubject<SsmSource | null>(source), licence$ },
      { transport: fetchTransport() },
    );
    const running = session.session$.subscribe();
    const getLicense = fairPlayGetLicense(session, { src: source.src, licence: licence$ });

    const ckc = await getLicense(Buffer.from('spc-bytes').toString('base64'), 'cid', fairPlayUrl);
    const licence = JSON.parse(Buffer.from(ckc, 'base64').toString()) as { keys: unknown[] };
    expect(licence.keys).toHaveLength(1);
    expect(spcs).toEqual(['spc-bytes']);
    const state = await firstValueFrom(
      session.session$.pipe(
        filter((s) => s.status === 'active' && s.renewal === 'licence'),
        timeout(5000),
      ),
    );
    expect(state.status === 'active' && state.sessionToken).toBe(
      (licence as { sessionToken?: string }).sessionToken,
    );
    running.unsubscribe();
    await expect.poll(() => spec.server.liveSessions('fps')).toBe(0);
  });

  it('with no session, rejects with the session’s error and sends nothing', async () => {
    const getLicense = fairPlayGetLicense(
      { session$: new BehaviorSubject<SsmState>({ status: 'idle' }) },
      { src: 'a', licence: new Subject(), waitMs: 50 },
    );
    const sent = spcs.length;
    await expect(getLicense('c3Bj', 'cid', fairPlayUrl)).rejects.toMatchObject({ code: 6001 });
    expect(spcs.length).toBe(sent);
  });
});
