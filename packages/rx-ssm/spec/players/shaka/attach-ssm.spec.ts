import { BehaviorSubject, filter, firstValueFrom, NEVER } from 'rxjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SsmError, type SsmSource, ssmSession } from '../../../src/index.js';
import { attachSsm } from '../../../src/players/index.js';
import { refused, ssmModel } from '../../../src/testing/index.js';
import { request, type ShakaPlayer, shaka, specScheme } from '../support/shaka-in-node.js';

const { LICENSE, MANIFEST, SEGMENT } = shaka.net.NetworkingEngine.RequestType;
const SSM = 'https://ssm.test/acme/ssm';
const a: SsmSource = { src: 'a.mpd', token: 'ct-a', ssmServerUrl: SSM };
const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

let sent: ReturnType<typeof specScheme>;
beforeAll(() => {
  sent = specScheme();
});

const players: ShakaPlayer[] = [];
afterEach(async () => {
  sent.length = 0;
  await Promise.all(players.splice(0).map((player) => player.destroy()));
});

function newPlayer(): ShakaPlayer {
  const player = new shaka.Player();
  players.push(player);
  return player;
}

/** The error Shaka rejects a request with when a request filter fails: its `data[0]`. */
async function filterFailure(pending: Promise<unknown>): Promise<unknown> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(shaka.util.Error);
  const shakaError = error as InstanceType<typeof shaka.util.Error>;
  expect(shakaError.code).toBe(shaka.util.Error.Code.REQUEST_FILTER_ERROR);
  return shakaError.data[0];
}

describe('attachSsm(player, session) with Shaka’s real networking engine', () => {
  it('adds contentToken,sessionToken to a LICENSE request, which waits for the session', async () => {
    const model = ssmModel({ latency: 15 });
    const player = newPlayer();
    const session = ssmSession({ source$: new BehaviorSubject(a) }, { transport: model.transport });
    const attached = attachSsm(player, session);

    // The setup is still in flight: the licence request waits for it.
    await request(player, LICENSE, 'spec://licence');
    expect(sent).toEqual([
      { type: LICENSE, uri: 'spec://licence', headers: { 'nv-authorizations': 'ct-a,S1' } },
    ]);
    attached.unsubscribe();
  });

  it('uses the newest session token after heartbeats rotate it, and the source’s token header', async () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 0.03, tokenHeader: 'x-ssm' });
    const player = newPlayer();
    const source$ = new BehaviorSubject<SsmSource>({ ...a, tokenHeader: 'x-ssm' });
    const session = ssmSession(
      { source$ },
      { transport: model.transport, minHeartbeatSeconds: 0.01 },
    );
    const attached = attachSsm(player, session);
    // Once a heartbeat has rotated the token (S1 → S1.n), however loaded the machine is.
    await firstValueFrom(
      session.session$.pipe(
        filter((state) => state.status === 'active' && /\.\d+$/.test(state.sessionToken)),
      ),
    );

    await request(player, LICENSE, 'spec://licence');
    const rotated = sent[0]?.headers['x-ssm'];
    expect(rotated).toMatch(/^ct-a,S1\.\d+$/);
    expect(model.transport.requests.filter((r) => r.call === 'heartbeat').length).toBeGreaterThan(
      0,
    );
    attached.unsubscribe();
  });

  it('leaves every other request alone, without waiting', async () => {
    const player = newPlayer();
    const session = ssmSession({ source$: NEVER });
    const attached = attachSsm(player, session);
    await request(player, MANIFEST, 'spec://manifest');
    await request(player, SEGMENT, 'spec://segment');
    expect(sent.map((r) => r.headers)).toEqual([{}, {}]);
    attached.unsubscribe();
  });

  it('fails the licence request with the setup error at the session limit; it never goes out', async () => {
    const model = ssmModel({ latency: 2 });
    model.failNext('setup', refused(403, 1007, 'limit'));
    const player = newPlayer();
    const session = ssmSession({ source$: new BehaviorSubject(a) }, { transport: model.transport });
    const attached = attachSsm(player, session);

    const cause = await filterFailure(request(player, LICENSE, 'spec://licence'));
    expect(cause).toBeInstanceOf(SsmError);
    expect(cause).toMatchObject({ code: 6001, isSessionLimit: true, httpStatus: 403 });
    expect(sent).toEqual([]);
    attached.unsubscribe();
  });

  it('fails the licence request with a setup error when no session comes within waitMs', async () => {
    const player = newPlayer();
    const session = ssmSession({ source$: new BehaviorSubject({ ...a, token: undefined }) });
    const attached = attachSsm(player, session, { waitMs: 30 });

    const cause = await filterFailure(request(player, LICENSE, 'spec://licence'));
    expect(cause).toMatchObject({ code: 6001, kind: 'setup' });
    expect((cause as Error).message).toMatch(/no SSM session within 30 ms/);
    expect(sent).toEqual([]);
    attached.unsubscribe();
  });

  it('sends the content token alone at once for a source that needs no session (source$ given)', async () => {
    const player = newPlayer();
    const source$ = new BehaviorSubject<SsmSource>({ src: 'free.mpd', token: 'ct-free' });
    const session = ssmSession({ source$ });
    const attached = attachSsm(player, session, { source$ });
    await request(player, LICENSE, 'spec://licence');
    expect(sent[0]?.headers).toEqual({ 'nv-authorizations': 'ct-free' });
    attached.unsubscribe();
  });

  it('unsubscribing removes the filter and tears the session down', async () => {
    const model = ssmModel({ latency: 2 });
    const player = newPlayer();
    const session = ssmSession({ source$: new BehaviorSubject(a) }, { transport: model.transport });
    const attached = attachSsm(player, session);
    await settle();
    expect(model.liveSessions()).toBe(1);

    attached.unsubscribe();
    await settle();
    expect(model.liveSessions()).toBe(0);
    await request(player, LICENSE, 'spec://licence');
    expect(sent[0]?.headers).toEqual({});
  });

  it('refuses a destroyed player', async () => {
    const player = newPlayer();
    await player.destroy();
    expect(() => attachSsm(player, ssmSession({ source$: NEVER }))).toThrow(/networking engine/);
  });
});
