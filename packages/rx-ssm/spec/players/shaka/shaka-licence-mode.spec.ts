import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSsmServer, mintContentToken, type SsmServer } from '../../../../server/src/index.js';
import {
  accountSessions,
  fetchTransport,
  type SsmState,
  ssmSession,
  stopSession,
} from '../../../src/index.js';
import { attachSsm, shakaIntents } from '../../../src/players/index.js';
import { type ShakaPlayer, shaka, shakaEvent } from '../support/shaka-in-node.js';

const { LICENSE } = shaka.net.NetworkingEngine.RequestType;
const SECRET = 'players-spec-secret-of-at-least-32-bytes';
const KEYS = { 'channel-1': [{ kid: 'a2lkLW9mLWNoYW5uZWwtMQ', k: 'a2V5LW9mLWNoYW5uZWwtMQ' }] };
const CLEARKEY = 'org.w3.clearkey';
const WIDEVINE = 'com.widevine.alpha';
const PLAYREADY = 'com.microsoft.playready';
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (data: ArrayBuffer | ArrayBufferView) =>
  new TextDecoder().decode(data instanceof ArrayBuffer ? data : new Uint8Array(data.buffer));
const waitFor = <T>(check: () => T) => vi.waitFor(check, { timeout: 8000, interval: 20 });

let ssm: SsmServer;
let origin: string;
/** A Widevine and PlayReady licence server (the reference server has neither): what it was sent. */
let licenceServer: Server;
let licenceUrl: string;
const sentToLicenceServer: Array<{ headers: Record<string, string> }> = [];
let licenceAnswer = new Uint8Array();

beforeAll(async () => {
  ssm = createSsmServer({ secret: SECRET, heartbeatSeconds: 1, clearKeys: KEYS, logger: false });
  origin = await ssm.listen(0);
  licenceServer = createServer((req, res) => {
    sentToLicenceServer.push({ headers: req.headers as Record<string, string> });
    req.resume().on('end', () => res.writeHead(200).end(licenceAnswer));
  });
  await new Promise<void>((listening) => licenceServer.listen(0, '127.0.0.1', listening));
  licenceUrl = `http://127.0.0.1:${(licenceServer.address() as AddressInfo).port}/licence`;
});
afterAll(async () => {
  await ssm?.close();
  licenceServer?.closeAllConnections();
  await new Promise((closed) => licenceServer?.close(closed));
});

const players: ShakaPlayer[] = [];
afterEach(async () => {
  sentToLicenceServer.length = 0;
  await Promise.all(players.splice(0).map((player) => player.destroy()));
});

/** The server's counter `name` from `GET /metrics`. */
async function metric(name: string): Promise<number> {
  const body = await (await fetch(`${origin}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1] ?? Number.NaN);
}

/**
 * A real shaka.Player that has loaded `a.mpd` (Node has no media to play: the URI is given and
 * `loading` dispatched), its intents, session and attachment.
 */
async function playerWithSession(options: { drmEnforced: boolean; account: string }) {
  const player = new shaka.Player();
  players.push(player);
  vi.spyOn(player, 'getAssetUri').mockReturnValue(`${origin}/a.mpd`);
  const token = await mintContentToken({
    secret: SECRET,
    accountId: options.account,
    contentId: 'channel-1',
    maxSessions: 1,
    drmEnforced: options.drmEnforced,
  });
  const intents = shakaIntents(player, (uri) => ({ src: uri, token, ssmServerUrl: origin }));
  const session = ssmSession(intents, { transport: fetchTransport() });
  const attached = attachSsm(player, session);
  player.dispatchEvent(shakaEvent('loading'));
  const states: SsmState[] = [];
  attached.add(session.session$.subscribe((state) => states.push(state)));
  return { player, session, attached, states, token };
}

/** A licence request as Shaka's DRM engine makes it, for `keySystem`, sent through the engine. */
function licenceRequest(
  player: ShakaPlayer,
  uri: string,
  keySystem: string,
  body: Uint8Array,
  licenseRequestType = 'license-request',
) {
  const request = shaka.net.NetworkingEngine.makeRequest(
    [uri],
    shaka.net.NetworkingEngine.defaultRetryParameters(),
  );
  request.method = 'POST';
  request.body = body;
  request.licenseRequestType = licenseRequestType;
  request.drmInfo = { keySystem } as typeof request.drmInfo;
  return player.getNetworkingEngine()!.request(LICENSE, request).promise;
}

const active = (states: SsmState[]) =>
  states.filter((s): s is Extract<SsmState, { status: 'active' }> => s.status === 'active');

describe('Shaka Player in licence mode (DRM enforcement), against the reference server', () => {
  it('ClearKey: the answer’s token switches the session, Shaka gets plain ClearKey JSON, renewals send the licence request again', async () => {
    const { player, session, attached, states, token } = await playerWithSession({
      drmEnforced: true,
      account: 'clearkey',
    });
    const kids = utf8(JSON.stringify({ kids: [KEYS['channel-1'][0]!.kid], type: 'temporary' }));
    const heartbeatsBefore = await metric('rx_ssm_heartbeats_total');
    const renewalsBefore = await metric('rx_ssm_licence_renewals_total');
    const seen: Array<{ header: string; answer: string }> = [];
    player.getNetworkingEngine()!.registerResponseFilter((type, response) => {
      if (type !== LICENSE) return;
      seen.push({
        header: response.originalRequest.headers['nv-authorizations'] ?? '',
        answer: text(response.data),
      });
    });

    const response = await licenceRequest(player, `${origin}/license/clearkey`, CLEARKEY, kids);
    expect(JSON.parse(text(response.data))).toEqual({
      keys: [{ kty: 'oct', ...KEYS['channel-1'][0] }],
      type: 'temporary',
    });
    const switched = await firstValueFrom(
      session.session$.pipe(filter((s) => s.status === 'active' && s.renewal === 'licence')),
    );
    expect(switched.status === 'active' && switched.authorization).toMatch(
      new RegExp(`^${token},[\\w-]{45}$`),
    );

    // Each period the session asks, and the adapter sends the last licence request again.
    await waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(3));
    const licenceTokens = active(states)
      .filter((s) => s.renewal === 'licence')
      .map((s) => s.sessionToken);
    expect(new Set(licenceTokens).size).toBeGreaterThanOrEqual(3);
    // Every request went out with the token the answer before it brought.
    for (const [i, { header }] of seen.entries()) {
      expect(header).toBe(`${token},${active(states)[i]?.sessionToken}`);
    }
    expect(seen.every(({ answer }) => !answer.includes('sessionToken'))).toBe(true);
    expect(await metric('rx_ssm_heartbeats_total')).toBe(heartbeatsBefore);
    expect(await metric('rx_ssm_licence_renewals_total')).toBeGreaterThanOrEqual(
      renewalsBefore + 3,
    );
    expect(await ssm.liveSessions('clearkey')).toBe(1);

    attached.unsubscribe();
    await waitFor(async () => expect(await ssm.liveSessions('clearkey')).toBe(0));
  });

  it('ClearKey: a renewal refused with 1008 (stopped from another device) ends the session as stopped remotely', async () => {
    const { player, session, attached, states, token } = await playerWithSession({
      drmEnforced: true,
      account: 'clearkey-stopped',
    });
    const kids = utf8(JSON.stringify({ kids: [KEYS['channel-1'][0]!.kid], type: 'temporary' }));
    await licenceRequest(player, `${origin}/license/clearkey`, CLEARKEY, kids);
    await firstValueFrom(
      session.session$.pipe(filter((s) => s.status === 'active' && s.renewal === 'licence')),
    );
    const source = { src: `${origin}/a.mpd`, token, ssmServerUrl: origin };
    const [held] = await firstValueFrom(accountSessions(source, { transport: fetchTransport() }));
    await firstValueFrom(
      stopSession(source, held?.sessionId ?? '', { transport: fetchTransport() }),
    );

    // The next renewal sends the licence request again: refused 403/1008, Shaka's downloadfailed.
    const ended = await waitFor(() => {
      const last = states.at(-1);
      if (last?.status !== 'error') throw new Error(`still ${last?.status}`);
      return last.error;
    });
    expect(ended).toMatchObject({ code: 6003, httpStatus: 403, serverCode: 1008 });
    expect(ended.isStoppedRemotely).toBe(true);
    expect(await ssm.liveSessions('clearkey-stopped')).toBe(0);
    attached.unsubscribe();
  });

  it('ClearKey in heartbeat mode: answers carry no token, heartbeats renew, nothing is sent again', async () => {
    const { player, attached, states } = await playerWithSession({
      drmEnforced: false,
      account: 'heartbeat',
    });
    const kids = utf8(JSON.stringify({ kids: [], type: 'temporary' }));
    await licenceRequest(player, `${origin}/license/clearkey`, CLEARKEY, kids);
    await waitFor(() => expect(active(states).length).toBeGreaterThanOrEqual(3));
    expect(active(states).every((s) => s.renewal === 'heartbeat')).toBe(true);
    attached.unsubscribe();
    await waitFor(async () => expect(await ssm.liveSessions('heartbeat')).toBe(0));
  });

  it('Widevine: sessionDrmEnforced switches the session; a CDM license-renewal goes to renewal-license-wv and its licence comes back as bytes', async () => {
    const { player, session, attached, token } = await playerWithSession({
      drmEnforced: true,
      account: 'widevine',
    });
    const cdmLicence = new Uint8Array([8, 1, 18, 7]);
    licenceAnswer = utf8(JSON.stringify({ license: [Buffer.from(cdmLicence).toString('base64')] }));
    const first = await licenceRequest(player, licenceUrl, WIDEVINE, new Uint8Array([1, 2]));
    expect(new Uint8Array(first.data as ArrayBuffer)).toEqual(cdmLicence);
    const enforced = await firstValueFrom(
      session.session$.pipe(filter((s) => s.status === 'active' && s.renewal === 'licence')),
    );
    const tokenBefore = enforced.status === 'active' ? enforced.sessionToken : '';
    expect(sentToLicenceServer[0]?.headers['nv-authorizations']).toBe(`${token},${tokenBefore}`);

    const renewed = await licenceRequest(
      player,
      licenceUrl,
      WIDEVINE,
      new Uint8Array([9, 9, 9]),
      'license-renewal',
    );
    // Not sent to the licence server: SSM answered, with the content's licence (the reference
    // server has no Widevine, so its ClearKey JSON stands in).
    expect(sentToLicenceServer).toHaveLength(1);
    expect(JSON.parse(text(renewed.data)).keys[0].kid).toBe(KEYS['channel-1'][0]!.kid);
    const after = await firstValueFrom(session.session$);
    expect(after.status === 'active' && after.sessionToken).not.toBe(tokenBefore);
    expect(after.status === 'active' && after.renewal).toBe('licence');

    attached.unsubscribe();
    await waitFor(async () => expect(await ssm.liveSessions('widevine')).toBe(0));
  });

  it('Widevine in heartbeat mode: a license-renewal goes to the licence server as usual, with the token header', async () => {
    const { player, attached, states, token } = await playerWithSession({
      drmEnforced: false,
      account: 'widevine-hb',
    });
    licenceAnswer = utf8(JSON.stringify({ license: ['CAE='], sessionDrmEnforced: false }));
    await licenceRequest(player, licenceUrl, WIDEVINE, new Uint8Array([1]));
    const renewed = await licenceRequest(
      player,
      licenceUrl,
      WIDEVINE,
      new Uint8Array([2]),
      'license-renewal',
    );
    expect(new Uint8Array(renewed.data as ArrayBuffer)).toEqual(new Uint8Array([8, 1]));
    expect(sentToLicenceServer.map((r) => r.headers['nv-authorizations'])).toEqual([
      `${token},${active(states).at(-1)?.sessionToken}`,
      `${token},${active(states).at(-1)?.sessionToken}`,
    ]);
    expect(active(states).every((s) => s.renewal === 'heartbeat')).toBe(true);
    attached.unsubscribe();
  });

  it('PlayReady: CustomData’s token switches the session; renewals ask Shaka to renew the licence', async () => {
    const { player, session, attached } = await playerWithSession({
      drmEnforced: true,
      account: 'playready',
    });
    const renewLicense = vi.spyOn(player, 'renewLicense');
    // The fake licence server hands out the token the reference server rotates to: a licence
    // answer that brings no valid token would end the session. Here the session's own token.
    const current = await firstValueFrom(
      session.session$.pipe(filter((s) => s.status === 'active')),
    );
    const sessionToken = current.status === 'active' ? current.sessionToken : '';
    licenceAnswer = utf8(
      `<LicenseResponse><CustomData>{"sessionToken":"${sessionToken}"}</CustomData></LicenseResponse>`,
    );
    const response = await licenceRequest(player, licenceUrl, PLAYREADY, utf8('<challenge/>'));
    expect(text(response.data)).toContain('<CustomData>');
    await firstValueFrom(
      session.session$.pipe(filter((s) => s.status === 'active' && s.renewal === 'licence')),
    );
    await waitFor(() => expect(renewLicense).toHaveBeenCalled());
    attached.unsubscribe();
  });

  it('an answer to a request that carried another content’s token, or that cannot be read, changes nothing', async () => {
    const { player, attached, states } = await playerWithSession({
      drmEnforced: true,
      account: 'stray',
    });
    await waitFor(() => expect(active(states).length).toBeGreaterThan(0));
    const engine = player.getNetworkingEngine()!;
    const otherContent = (_type: number, request: { headers: Record<string, string> }) => {
      request.headers['nv-authorizations'] = 'ct-of-another-content,S';
    };
    licenceAnswer = utf8(JSON.stringify({ keys: [], sessionToken: 'stray-token' }));
    engine.registerRequestFilter(otherContent);
    const stray = await licenceRequest(player, licenceUrl, CLEARKEY, utf8('{}'));
    engine.unregisterRequestFilter(otherContent);
    expect(text(stray.data)).toBe('{"keys":[]}');

    licenceAnswer = utf8('{"keys": "none", "sessionToken": "bad"}');
    const unreadable = await licenceRequest(player, licenceUrl, CLEARKEY, utf8('{}'));
    expect(text(unreadable.data)).toBe('{"keys": "none", "sessionToken": "bad"}');

    expect(states.some((s) => s.status === 'active' && s.sessionToken === 'stray-token')).toBe(
      false,
    );
    expect(active(states).every((s) => s.renewal === 'heartbeat')).toBe(true);
    attached.unsubscribe();
  });
});
