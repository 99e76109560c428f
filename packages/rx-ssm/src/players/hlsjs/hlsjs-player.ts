import { Observable } from 'rxjs';
import type { RenewalAnswer } from '../licence/licence-answer.js';

/**
 * The part of hls.js (`Hls`, v1.5 and later) the adapters use, written out so that
 * `rx-ssm/players` needs no `hls.js` types or code at build or install time. A real `Hls` fits
 * it (the specs check that with the real package's types).
 */
export interface HlsjsLike {
  on(event: never, listener: never, context?: never): void;
  off(event: never, listener?: never, context?: never): void;
  /** Emits an event on the instance (renewal answers go through it). */
  trigger(event: never, data: never): boolean;
  /** The URL of the loaded manifest, `null` when none. */
  readonly url: string | null;
  readonly media: HTMLMediaElement | null;
  /** Its config: the adapters set `licenseXhrSetup` and `licenseResponseCallback` on it. */
  readonly config: object;
}

/** hls.js's `keyContext` of a licence request, the field the adapters read. */
export interface HlsjsKeyContext {
  keySystem: string;
}

/** hls.js's `licenseXhrSetup`. */
export type HlsjsLicenseXhrSetup = (
  this: unknown,
  xhr: XMLHttpRequest,
  url: string,
  keyContext: HlsjsKeyContext,
  licenseChallenge: Uint8Array,
) => void | Uint8Array<ArrayBuffer> | Promise<Uint8Array<ArrayBuffer> | void>;

/** hls.js's `licenseResponseCallback`. */
export type HlsjsLicenseResponseCallback = (
  this: unknown,
  xhr: XMLHttpRequest,
  url: string,
  keyContext: HlsjsKeyContext,
) => ArrayBuffer;

/** The licence hooks of an hls.js config. */
export interface HlsjsLicenceHooks {
  licenseXhrSetup?: HlsjsLicenseXhrSetup | undefined;
  licenseResponseCallback?: HlsjsLicenseResponseCallback | undefined;
}

/**
 * hls.js's `Events` the adapters listen to, spelled out so that no hls.js code is loaded (the
 * specs compare them with the real ones).
 */
export const HLSJS_EVENTS = {
  MANIFEST_LOADING: 'hlsManifestLoading',
  MEDIA_ATTACHED: 'hlsMediaAttached',
  DESTROYING: 'hlsDestroying',
} as const;

/**
 * The event a renewal's licence answer is announced with on the `Hls` instance
 * ({@link attachHlsjs} sends it, `hlsjsIntents(...).licence$` reads it).
 */
export const HLSJS_RENEWAL_ANSWER = 'rxSsmLicenceRenewalAnswer';

/** The data of {@link HLSJS_RENEWAL_ANSWER}. */
export type HlsjsRenewalAnswer = RenewalAnswer;

/** The licence hooks of `hls`'s config. */
export const licenceHooksOf = (hls: HlsjsLike) => hls.config as HlsjsLicenceHooks;

/** An hls.js event's data as an observable (hls.js calls listeners with the name, then the data). */
export function hlsjsEvent$<T>(hls: HlsjsLike, event: string): Observable<T> {
  return new Observable<T>((subscriber) => {
    const listener = (_: string, data: T) => subscriber.next(data);
    hls.on(event as never, listener as never);
    return () => hls.off(event as never, listener as never);
  });
}
