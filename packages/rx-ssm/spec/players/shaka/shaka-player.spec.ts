import { describe, expect, it } from 'vitest';
import { SHAKA_LICENSE_REQUEST, type ShakaPlayerLike } from '../../../src/players/index.js';
import { shaka } from '../support/shaka-in-node.js';

describe('the Shaka Player shape the adapters rely on', () => {
  it('names LICENSE as the real shaka.net.NetworkingEngine.RequestType does', () => {
    expect(SHAKA_LICENSE_REQUEST).toBe(shaka.net.NetworkingEngine.RequestType.LICENSE);
  });

  it('is fitted by a real shaka.Player (checked by the compiler) and its networking engine', async () => {
    const player: ShakaPlayerLike = new shaka.Player();
    expect(player.getAssetUri()).toBeNull();
    expect(player.getNetworkingEngine()).toBeInstanceOf(shaka.net.NetworkingEngine);
    await (player as InstanceType<typeof shaka.Player>).destroy();
    expect(player.getNetworkingEngine()).toBeNull();
  });
});
