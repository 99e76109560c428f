/**
 * The part of Shaka Player the adapters use, written out so that `rx-ssm/players` needs no
 * `shaka-player` types at build or install time. A real `shaka.Player` fits it (the specs check
 * that with the real package's types).
 */

/** Shaka's request filter, as the adapters register it. */
export type ShakaRequestFilter = (
  type: number,
  request: { headers: Record<string, string> },
) => Promise<void> | void;

/** `shaka.net.NetworkingEngine`, the part the adapters use. */
export interface ShakaNetworkingEngineLike {
  registerRequestFilter(filter: ShakaRequestFilter): void;
  unregisterRequestFilter(filter: ShakaRequestFilter): void;
}

/** `shaka.Player`, the part the adapters use. Its events are `EventTarget` events. */
export interface ShakaPlayerLike extends EventTarget {
  getAssetUri(): string | null;
  getNetworkingEngine(): ShakaNetworkingEngineLike | null;
}

/**
 * `shaka.net.NetworkingEngine.RequestType.LICENSE`. Shaka's public enum, stable across releases;
 * spelled out so that no Shaka code is loaded (the specs compare it with the real enum).
 */
export const SHAKA_LICENSE_REQUEST = 2;
