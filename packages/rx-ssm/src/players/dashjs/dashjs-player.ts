import { fromEventPattern, type Observable } from 'rxjs';
import type { RenewalAnswer } from '../licence/licence-answer.js';

/**
 * The part of dash.js (`dashjs.MediaPlayer()`, v5) the adapters use, written out so that
 * `rx-ssm/players` needs no `dashjs` types or code at build or install time. A real
 * `MediaPlayerClass` fits it (the specs check that with the real package's types).
 */

/** dash.js's `LicenseRequest`, the fields the adapters read or set. */
export interface DashjsLicenseRequest {
  url: string;
  method: string;
  headers: { [name: string]: string };
  data: ArrayBuffer | ArrayBufferView | string | null;
  /** The EME message type, e.g. `license-request`, `license-renewal`. */
  messageType: string;
}

/** dash.js's `LicenseResponse`: `data` is parsed JSON for ClearKey, bytes for the others. */
export interface DashjsLicenseResponse {
  url: string;
  headers: object;
  data: unknown;
}

/** A dash.js licence request or response filter. */
export type DashjsFilter<T> = (value: T) => Promise<unknown>;

/** An event of a dash.js player's event bus. */
export interface DashjsEvent {
  type: string;
}

/** `dashjs.MediaPlayerClass`, the part the adapters use. */
export interface DashjsPlayerLike {
  on(type: string, listener: (event: DashjsEvent) => void, scope?: object): void;
  off(type: string, listener: (event: DashjsEvent) => void, scope?: object): void;
  /** Dispatches an event on the player's event bus (renewal answers go through it). */
  trigger(type: never, payload: object, filters: object): void;
  /** The attached source; throws when none is attached. */
  getSource(): string | object;
  registerLicenseRequestFilter(filter: DashjsFilter<DashjsLicenseRequest>): void;
  unregisterLicenseRequestFilter(filter: DashjsFilter<DashjsLicenseRequest>): void;
  registerLicenseResponseFilter(filter: DashjsFilter<DashjsLicenseResponse>): void;
  unregisterLicenseResponseFilter(filter: DashjsFilter<DashjsLicenseResponse>): void;
}

/**
 * dash.js's `MediaPlayer.events` the adapters listen to, spelled out so that no dash.js code is
 * loaded (the specs compare them with the real ones).
 */
export const DASHJS_EVENTS = {
  MANIFEST_LOADING_STARTED: 'manifestLoadingStarted',
  STREAM_TEARDOWN_COMPLETE: 'streamTeardownComplete',
  PLAYBACK_PLAYING: 'playbackPlaying',
  PLAYBACK_ENDED: 'playbackEnded',
  KEY_SYSTEM_SELECTED: 'public_keySystemSelected',
} as const;

/**
 * The player event a renewal's licence answer is announced with ({@link attachDashjs} sends
 * it, `dashjsIntents(...).licence$` reads it): dash.js has no call that sends a licence request
 * again, so the renewal is sent beside it and its answer put on the player's event bus.
 */
export const DASHJS_RENEWAL_ANSWER = 'rxSsmLicenceRenewalAnswer';

/** The payload of {@link DASHJS_RENEWAL_ANSWER}. */
export type DashjsRenewalAnswer = RenewalAnswer;

/** The URL of the attached source, or `null` (nothing attached, or a manifest object). */
export function attachedUrl(player: DashjsPlayerLike): string | null {
  try {
    const source = player.getSource();
    return typeof source === 'string' ? source : null;
  } catch {
    return null;
  }
}

/** A player event as an observable (dash.js's `on`/`off`). */
export function dashjsEvent$<T>(player: DashjsPlayerLike, type: string): Observable<T> {
  return fromEventPattern<T>(
    (listener) => player.on(type, listener),
    (listener) => player.off(type, listener),
  );
}
