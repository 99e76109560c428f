/**
 * The part of Shaka Player the adapters use, written out so that `rx-ssm/players` needs no
 * `shaka-player` types at build or install time. A real `shaka.Player` fits it (the specs check
 * that with the real package's types).
 */

/** `shaka.extern.Request`, the fields the adapters read or set. */
export interface ShakaRequest {
  uris: string[];
  method: string;
  body: ArrayBuffer | ArrayBufferView | null;
  headers: Record<string, string>;
  /** The EME message type of a licence request, e.g. `license-request`, `license-renewal`. */
  licenseRequestType?: string | null;
  /** The DRM of a licence request (Shaka 4.3 and later). */
  drmInfo?: { keySystem: string } | null;
}

/** `shaka.extern.Response`, the fields the adapters read or set. */
export interface ShakaResponse {
  uri: string;
  data: ArrayBuffer | ArrayBufferView;
  headers: Record<string, string>;
  originalRequest?: ShakaRequest;
}

/** Shaka's request filter, as the adapters register it. */
export type ShakaRequestFilter = (type: number, request: ShakaRequest) => Promise<void> | void;

/** Shaka's response filter, as the adapters register it. */
export type ShakaResponseFilter = (type: number, response: ShakaResponse) => Promise<void> | void;

/** `shaka.net.NetworkingEngine.PendingRequest`. */
export interface ShakaPendingRequest {
  promise: Promise<ShakaResponse>;
  abort(): unknown;
}

/** `shaka.net.NetworkingEngine`, the part the adapters use. */
export interface ShakaNetworkingEngineLike {
  registerRequestFilter(filter: ShakaRequestFilter): void;
  unregisterRequestFilter(filter: ShakaRequestFilter): void;
  registerResponseFilter(filter: ShakaResponseFilter): void;
  unregisterResponseFilter(filter: ShakaResponseFilter): void;
  /** Sends a request through the player's filters and scheme plugins. */
  request(type: number, request: ShakaRequest): ShakaPendingRequest;
}

/** `shaka.Player`, the part the adapters use. Its events are `EventTarget` events. */
export interface ShakaPlayerLike extends EventTarget {
  getAssetUri(): string | null;
  getNetworkingEngine(): ShakaNetworkingEngineLike | null;
  /** The key system in use, `''` when none. */
  keySystem?(): string;
  /** Shaka 5: renews the licence of every key session (PlayReady and FairPlay only). */
  renewLicense?(sessionId?: string): void;
}

/**
 * `shaka.net.NetworkingEngine.RequestType.LICENSE`. Shaka's public enum, stable across releases;
 * spelled out so that no Shaka code is loaded (the specs compare it with the real enum).
 */
export const SHAKA_LICENSE_REQUEST = 2;
