import { firstValueFrom, type Observable, Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SsmSource, ssmSession } from '../../../src/index.js';
import { shakaIntents } from '../../../src/players/index.js';
import { ssmModel } from '../../../src/testing/index.js';
import { type ShakaPlayer, shaka, shakaEvent } from '../support/shaka-in-node.js';

const SSM = 'https://ssm.test/acme/ssm';
const sourceOf = (uri: string): SsmSource => ({ src: uri, token: `ct-${uri}`, ssmServerUrl: SSM });

/** Everything `source$` emits while `act` runs. */
function emitted<T>(stream$: Observable<T>, act: () => unknown): T[] {
  const seen: T[] = [];
  const subscription = stream$.subscribe((value) => seen.push(value));
  act();
  subscription.unsubscribe();
  return seen;
}

const players: ShakaPlayer[] = [];
afterEach(async () => {
  await Promise.all(players.splice(0).map((player) => player.destroy()));
});

/** A real shaka.Player whose next loads are of `uri` (Node has no media to really load). */
function playerLoading() {
  const player = new shaka.Player();
  players.push(player);
  let asset: string | null = null;
  vi.spyOn(player, 'getAssetUri').mockImplementation(() => asset);
  return {
    player,
    load(uri: string) {
      if (asset) player.dispatchEvent(shakaEvent('unloading', { isSwitchingContent: true }));
      asset = uri;
      player.dispatchEvent(shakaEvent('loading'));
    },
    unload() {
      asset = null;
      player.dispatchEvent(shakaEvent('unloading', { isSwitchingContent: false }));
    },
    state(newstate: string) {
      player.dispatchEvent(shakaEvent('statechanged', { newstate }));
    },
  };
}

describe('shakaIntents(player, sourceOf)', () => {
  it('source$: each load asks sourceOf; a load over a load is a zap, unload is null', () => {
    const shaka = playerLoading();
    const { source$ } = shakaIntents(shaka.player, sourceOf);
    const sources = emitted(source$, () => {
      shaka.load('a.mpd');
      shaka.load('b.mpd');
      shaka.unload();
    });
    expect(sources).toEqual([sourceOf('a.mpd'), sourceOf('b.mpd'), null]);
  });

  it('source$: one source per load, whether Shaka knows the URI at loading or only at manifestparsed', () => {
    const shaka = playerLoading();
    const { source$ } = shakaIntents(shaka.player, sourceOf);
    let asset: string | null = null;
    vi.spyOn(shaka.player, 'getAssetUri').mockImplementation(() => asset);
    const sources = emitted(source$, () => {
      // Shaka 5: the URI is set before `loading`.
      asset = 'a.mpd';
      shaka.player.dispatchEvent(shakaEvent('loading'));
      shaka.player.dispatchEvent(shakaEvent('manifestparsed'));
      // Older Shakas: unloaded (null) at `loading`, set by the time the manifest is parsed.
      asset = null;
      shaka.player.dispatchEvent(shakaEvent('unloading', { isSwitchingContent: true }));
      shaka.player.dispatchEvent(shakaEvent('loading'));
      asset = 'b.mpd';
      shaka.player.dispatchEvent(shakaEvent('manifestparsed'));
    });
    expect(sources).toEqual([sourceOf('a.mpd'), sourceOf('b.mpd')]);
  });

  it('source$: starts with the asset already loaded, and replays the latest to a late subscriber', () => {
    const shaka = playerLoading();
    shaka.load('a.mpd');
    const { source$ } = shakaIntents(shaka.player, sourceOf);
    const first = source$.subscribe();
    expect(emitted(source$, () => {})).toEqual([sourceOf('a.mpd')]);
    first.unsubscribe();
  });

  it('source$: while a promised source is pending the source is null, so the old session cannot stand in', async () => {
    const shaka = playerLoading();
    const answers = new Subject<SsmSource>();
    const { source$ } = shakaIntents(shaka.player, () => firstValueFrom(answers));
    const seen: Array<SsmSource | null> = [];
    const subscription = source$.subscribe((source) => seen.push(source));
    shaka.load('a.mpd');
    expect(seen).toEqual([null]);
    answers.next(sourceOf('a.mpd'));
    await Promise.resolve();
    expect(seen).toEqual([null, sourceOf('a.mpd')]);
    subscription.unsubscribe();
  });

  it('source$: a source that cannot be found (sourceOf throws or rejects) is null', async () => {
    const shaka = playerLoading();
    const { source$ } = shakaIntents(shaka.player, (uri) => {
      if (uri === 'throws.mpd') throw new Error('no such channel');
      return Promise.reject(new Error('token service down'));
    });
    const seen: Array<SsmSource | null> = [];
    const subscription = source$.subscribe((source) => seen.push(source));
    shaka.load('throws.mpd');
    expect(seen).toEqual([null]);
    shaka.load('rejects.mpd');
    expect(seen).toEqual([null, null]); // pending
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([null, null, null]); // rejected
    subscription.unsubscribe();
  });

  it('source$: destroying the player is an unload', async () => {
    const player = new shaka.Player();
    const { source$ } = shakaIntents(player, sourceOf);
    const seen: Array<SsmSource | null> = [];
    const subscription = source$.subscribe((source) => seen.push(source));
    await player.destroy();
    expect(seen).toEqual([null]);
    subscription.unsubscribe();
  });

  it('play$ on every load and on playing; stop$ when the content ends', () => {
    const shaka = playerLoading();
    const { play$, stop$ } = shakaIntents(shaka.player, sourceOf);
    const plays = emitted(play$!, () => {
      shaka.load('a.mpd');
      for (const state of ['buffering', 'playing', 'paused', 'playing', 'ended'])
        shaka.state(state);
    });
    const stops = emitted(stop$!, () => {
      for (const state of ['buffering', 'playing', 'paused', 'ended']) shaka.state(state);
    });
    expect(plays).toHaveLength(3);
    expect(stops).toHaveLength(1);
  });
});

describe('shakaIntents driving ssmSession', () => {
  it('load sets up, a zap swaps sessions, the end and unload leave none', async () => {
    const model = ssmModel({ latency: 1, maxSessions: 1 });
    const shaka = playerLoading();
    const { session$ } = ssmSession(shakaIntents(shaka.player, sourceOf), {
      transport: model.transport,
    });
    const statuses: string[] = [];
    const subscription = session$.subscribe((state) =>
      statuses.push(state.status === 'active' ? `active ${state.source.src}` : state.status),
    );
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

    shaka.load('a.mpd');
    await settle();
    expect(statuses.at(-1)).toBe('active a.mpd');
    shaka.load('b.mpd');
    await settle();
    expect(statuses.at(-1)).toBe('active b.mpd');
    expect(model.liveSessions()).toBe(1);
    shaka.state('ended');
    await settle();
    expect(statuses.at(-1)).toBe('idle');
    expect(model.liveSessions()).toBe(0);
    shaka.state('playing');
    await settle();
    expect(statuses.at(-1)).toBe('active b.mpd');
    shaka.unload();
    await settle();
    expect(statuses.at(-1)).toBe('idle');
    expect(model.liveSessions()).toBe(0);
    expect(model.peakSessions()).toBe(1);
    subscription.unsubscribe();
  });

  it('a new load of the same asset after a refusal sets up again', async () => {
    const model = ssmModel({ latency: 1, maxSessions: 1 });
    model.failNext('setup', { status: 403, body: { errorCode: 1007, message: 'limit' } });
    const shaka = playerLoading();
    const { session$ } = ssmSession(shakaIntents(shaka.player, sourceOf), {
      transport: model.transport,
    });
    const statuses: string[] = [];
    const subscription = session$.subscribe((state) => statuses.push(state.status));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

    shaka.load('a.mpd');
    await settle();
    expect(statuses.at(-1)).toBe('error');
    shaka.load('a.mpd');
    await settle();
    expect(statuses.at(-1)).toBe('active');
    subscription.unsubscribe();
    await settle();
    expect(model.liveSessions()).toBe(0);
  });
});
