import type { MediaPlayerClass, MediaPlayerEvents } from 'dashjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  attachDashjs,
  DASHJS_EVENTS,
  type DashjsPlayerLike,
  dashjsIntents,
} from '../../../src/players/index.js';

describe('dash.js as the adapters see it', () => {
  it('a real dashjs MediaPlayer fits DashjsPlayerLike (checked by tsc against dashjs types)', () => {
    expectTypeOf<MediaPlayerClass>().toExtend<DashjsPlayerLike>();
    expectTypeOf(dashjsIntents).parameter(0).toEqualTypeOf<DashjsPlayerLike>();
    expectTypeOf(attachDashjs).parameter(0).toEqualTypeOf<DashjsPlayerLike>();
  });

  it('the event names are dash.js 5’s own', () => {
    const names: { [K in keyof typeof DASHJS_EVENTS]: MediaPlayerEvents[K] } = DASHJS_EVENTS;
    expect(names).toEqual({
      MANIFEST_LOADING_STARTED: 'manifestLoadingStarted',
      STREAM_TEARDOWN_COMPLETE: 'streamTeardownComplete',
      PLAYBACK_PLAYING: 'playbackPlaying',
      PLAYBACK_ENDED: 'playbackEnded',
      KEY_SYSTEM_SELECTED: 'public_keySystemSelected',
    });
  });
});
