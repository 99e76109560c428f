import Hls from 'hls.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  attachHlsjs,
  HLSJS_EVENTS,
  type HlsjsLicenceHooks,
  type HlsjsLike,
  hlsjsIntents,
} from '../../../src/players/index.js';

describe('hls.js as the adapters see it', () => {
  it('a real Hls fits HlsjsLike, and hls.js takes the licence hooks the adapters set (checked by tsc)', () => {
    expectTypeOf<Hls>().toExtend<HlsjsLike>();
    // What the adapters set is what hls.js takes.
    expectTypeOf<NonNullable<HlsjsLicenceHooks['licenseXhrSetup']>>().toExtend<
      NonNullable<Hls['config']['licenseXhrSetup']>
    >();
    expectTypeOf<NonNullable<HlsjsLicenceHooks['licenseResponseCallback']>>().toExtend<
      NonNullable<Hls['config']['licenseResponseCallback']>
    >();
    expectTypeOf(hlsjsIntents).parameter(0).toEqualTypeOf<HlsjsLike>();
    expectTypeOf(attachHlsjs).parameter(0).toEqualTypeOf<HlsjsLike>();
  });

  it('the event names are hls.js’s own', () => {
    expect(HLSJS_EVENTS).toEqual({
      MANIFEST_LOADING: Hls.Events.MANIFEST_LOADING,
      MEDIA_ATTACHED: Hls.Events.MEDIA_ATTACHED,
      DESTROYING: Hls.Events.DESTROYING,
    });
  });
});
