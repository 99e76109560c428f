import type { Observable, SchedulerLike } from 'rxjs';
import type { SsmError } from './error.js';

/**
 * Where the app is, as far as heartbeats care: `active` and `pip` (picture-in-picture) run as
 * normal, `background` sends no heartbeat until the app comes back.
 */
export type AppState = 'active' | 'background' | 'pip';

/** DRM details of a source, passed through for player adapters. */
export interface SsmDrm {
  type?: string;
  licenseUrl?: string;
  certificateUrl?: string;
}

/** One playable source as the player knows it. */
export interface SsmSource {
  /** Identifies the content; a new `src` is a zap. */
  src: string;
  /** Content token; `undefined` while it is not known yet. */
  token?: string;
  /** SSM service of this content; absent when the content needs no SSM session. */
  ssmServerUrl?: string;
  /** Header that carries the tokens; default `nv-authorizations`. */
  tokenHeader?: string;
  drm?: SsmDrm;
}

/** What the player wants, as streams. */
export interface SsmIntents {
  /** The current source; `null` unloads. */
  source$: Observable<SsmSource | null>;
  /** Play after a stop sets up a fresh session for the current source. */
  play$?: Observable<unknown>;
  /** Stop tears the session down. */
  stop$?: Observable<unknown>;
  /** Foreground, background or picture-in-picture; `active` until told otherwise. */
  appState$?: Observable<AppState>;
}

/** One SSM request as a transport sends it. */
export interface SsmRequest {
  call: 'setup' | 'heartbeat' | 'teardown';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP response, whatever its status. */
export interface SsmResponse {
  status: number;
  body: unknown;
}

/**
 * Sends one request. Emits one response for any HTTP status and errors only when no response
 * came (network failure, timeout). Unsubscribing aborts the request.
 */
export type SsmTransport = (req: SsmRequest) => Observable<SsmResponse>;

/** Options of {@link ssmSession}. */
export interface SsmOptions {
  /** Setup and teardown wait for each other (safe, slower zaps). Default `false`. */
  syncMode?: boolean;
  /** How requests go out. Default {@link axiosTransport}(). */
  transport?: SsmTransport;
  /** Timers (token wait, heartbeats); tests pass a `TestScheduler`. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** How long to wait for a content token before a setup error. Default 5000 ms. */
  tokenTimeoutMs?: number;
  /** Transient heartbeat failures retried within one period. Default 2. */
  heartbeatRetries?: number;
}

/** The session as the app sees it. */
export type SsmState =
  | { status: 'idle' }
  | { status: 'awaiting-token'; source: SsmSource }
  | { status: 'setting-up'; source: SsmSource }
  | {
      status: 'active';
      source: SsmSource;
      sessionToken: string;
      heartbeatSeconds: number;
      /** `contentToken,sessionToken`: the token header value of every licence request. */
      authorization: string;
    }
  | { status: 'tearing-down'; source: SsmSource }
  | { status: 'error'; source: SsmSource; error: SsmError };

/** The streams of one session pipeline; all three share it. */
export interface SsmSession {
  /** Shared; replays the latest state to a late subscriber. Never errors for an SSM failure. */
  session$: Observable<SsmState>;
  /** Every SSM error, fatal or not. */
  errors$: Observable<SsmError>;
  /** `contentToken,sessionToken` while active, otherwise `null`. */
  authorization$: Observable<string | null>;
}
