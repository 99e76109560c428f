import { firstValueFrom, type Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type SsmSource, ssmSession } from '../../../src/index.js';
import { type MediaElementLike, videoElementIntents } from '../../../src/players/index.js';
import { ssmModel } from '../../../src/testing/index.js';

const SSM = 'https://ssm.test/acme/ssm';

/**
 * A media element as far as the adapter reads it; `load()` and `unload()` fire the events a
 * real element fires (`emptied` first when something was loaded, then `loadstart`).
 */
class FakeVideo extends EventTarget implements MediaElementLike {
  src = '';
  srcObject: unknown = null;
  currentSrc = '';
  networkState = 0;
  sourceChild: unknown = null;
  querySelector(selectors: string): unknown {
    return selectors === 'source' ? this.sourceChild : null;
  }
  load(src: string) {
    if (this.networkState !== 0) this.dispatchEvent(new Event('emptied'));
    this.src = src;
    this.currentSrc = src;
    this.networkState = 2;
    this.dispatchEvent(new Event('loadstart'));
  }
  unload() {
    this.src = '';
    this.currentSrc = '';
    this.networkState = 0;
    this.dispatchEvent(new Event('emptied'));
  }
  fire(type: 'play' | 'ended') {
    this.dispatchEvent(new Event(type));
  }
}

const sourceOf = (video: FakeVideo): SsmSource => ({
  src: video.currentSrc,
  token: `ct-${video.currentSrc}`,
  ssmServerUrl: SSM,
});

function emitted<T>(stream$: Observable<T>, act: () => unknown): T[] {
  const seen: T[] = [];
  const subscription = stream$.subscribe((value) => seen.push(value));
  act();
  subscription.unsubscribe();
  return seen;
}

describe('videoElementIntents(element, sourceOf)', () => {
  it('source$: each loadstart asks sourceOf; a new src is a zap; emptied with no source left is null', () => {
    const video = new FakeVideo();
    const { source$ } = videoElementIntents(video, sourceOf);
    const sources = emitted(source$, () => {
      video.load('a.mp4');
      video.load('b.mp4'); // emptied, but a new src follows: no null in between
      video.unload();
    });
    expect(sources).toEqual([
      { src: 'a.mp4', token: 'ct-a.mp4', ssmServerUrl: SSM },
      { src: 'b.mp4', token: 'ct-b.mp4', ssmServerUrl: SSM },
      null,
    ]);
  });

  it('source$: emptied while a srcObject or a <source> child remains is not an unload', () => {
    const video = new FakeVideo();
    const { source$ } = videoElementIntents(video, sourceOf);
    const sources = emitted(source$, () => {
      video.srcObject = {};
      video.dispatchEvent(new Event('emptied'));
      video.srcObject = null;
      video.sourceChild = {};
      video.dispatchEvent(new Event('emptied'));
    });
    expect(sources).toEqual([]);
  });

  it('source$: starts with content the element already loads; replays it to late subscribers', () => {
    const video = new FakeVideo();
    video.load('a.mp4');
    const { source$ } = videoElementIntents(video, sourceOf);
    const first = source$.subscribe();
    expect(emitted(source$, () => {})).toEqual([expect.objectContaining({ src: 'a.mp4' })]);
    first.unsubscribe();
  });

  it('source$: null while sourceOf’s promise is pending (MSE apps often look the token up)', async () => {
    const video = new FakeVideo();
    const token = new Subject<string>();
    const { source$ } = videoElementIntents(video, async () => ({
      src: 'channel-1',
      token: await firstValueFrom(token),
      ssmServerUrl: SSM,
    }));
    const seen: Array<SsmSource | null> = [];
    const subscription = source$.subscribe((source) => seen.push(source));
    video.load('blob:https://app.example/1234');
    expect(seen).toEqual([null]);
    token.next('ct-1');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([null, { src: 'channel-1', token: 'ct-1', ssmServerUrl: SSM }]);
    subscription.unsubscribe();
  });

  it('play$ on play, stop$ on ended', () => {
    const video = new FakeVideo();
    const { play$, stop$ } = videoElementIntents(video, sourceOf);
    const events =
      (...types: Array<'play' | 'ended'>) =>
      () => {
        for (const type of types) video.fire(type);
      };
    expect(emitted(play$!, events('play', 'ended', 'play'))).toHaveLength(2);
    expect(emitted(stop$!, events('play', 'ended'))).toHaveLength(1);
  });

  it('drives ssmSession: the end frees the slot, play takes it again, unload leaves none', async () => {
    const model = ssmModel({ latency: 1 });
    const video = new FakeVideo();
    const { session$ } = ssmSession(videoElementIntents(video, sourceOf), {
      transport: model.transport,
    });
    const statuses: string[] = [];
    const subscription = session$.subscribe((state) => statuses.push(state.status));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

    video.load('a.mp4');
    await settle();
    expect(statuses.at(-1)).toBe('active');
    video.fire('ended');
    await settle();
    expect([statuses.at(-1), model.liveSessions()]).toEqual(['idle', 0]);
    video.fire('play');
    await settle();
    expect([statuses.at(-1), model.liveSessions()]).toEqual(['active', 1]);
    video.unload();
    await settle();
    expect([statuses.at(-1), model.liveSessions()]).toEqual(['idle', 0]);
    subscription.unsubscribe();
  });
});
