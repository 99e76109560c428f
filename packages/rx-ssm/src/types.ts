import type { SsmError } from './error.js';
import type { Observable, SchedulerLike } from './rx.js';
import type { SsmSource } from './source.js';

export type { HeldSession, SsmLimitRule } from './account/held-session.js';
export type { SsmDrm, SsmSource } from './source.js';

/**
 * Where the app is, as far as heartbeats care: `active` and `pip` (picture-in-picture) run as
 * normal, `background` sends no heartbeat until the app comes back.
 */
export type AppState = 'active' | 'background' | 'pip';

/**
 * A source type as `ssmSession` accepts it: a key that differs from one of SsmSource's only in
 * case (`ssmServerURL`, `Token`) is a type error naming the key; other keys of an app's own
 * source type (a title, a channel number) are fine.
 */
export type CheckedSource<S> = [MisspeltKeys<S>] extends [never]
  ? S
  : S & { [K in MisspeltKeys<S>]: `"${K & string}" is not a key of SsmSource: check its case` };

/** Keys of `S` that are not SsmSource's but spell one of them in another case. */
type MisspeltKeys<S> = {
  [K in keyof S]: K extends keyof SsmSource
    ? never
    : Lowercase<K & string> extends Lowercase<keyof SsmSource>
      ? K
      : never;
}[keyof S];

/** What the player wants, as streams. */
export interface SsmIntents<S extends SsmSource = SsmSource> {
  /** The current source; `null` unloads. */
  source$: Observable<S | null>;
  /** Play after a stop sets up a fresh session for the current source. */
  play$?: Observable<unknown>;
  /** Stop tears the session down. */
  stop$?: Observable<unknown>;
  /** Foreground, background or picture-in-picture; `active` until told otherwise. */
  appState$?: Observable<AppState>;
  /**
   * What each licence answer said, fed by a player adapter. An answer that carries a session
   * token, or a Widevine answer with `drmEnforced: true`, switches the session to licence mode
   * (the licence renews it; no heartbeat calls). Answers for another `src` are ignored.
   */
  licence$?: Observable<LicenceAnswer>;
}

/** What one licence answer said, as far as SSM cares. */
export interface LicenceAnswer {
  /** The source the licence was for; answers for another `src` than the current one are ignored. */
  src: string;
  /**
   * The next session token the answer carries (PlayReady `CustomData`, FairPlay or ClearKey
   * JSON), if any: it becomes the newest token of the session.
   */
  sessionToken?: string;
  /**
   * Widevine only: the answer's `sessionDrmEnforced`; adapters give `true` where the answer
   * leaves it missing or `null`.
   */
  drmEnforced?: boolean;
  /** E.g. `com.widevine.alpha`, for diagnostics. */
  keySystem?: string;
  /**
   * The answer renewed the licence without naming a next token (a FairPlay answer without
   * `sessionToken`, from a server that keeps the token across renewals). In licence mode it
   * renews the session, which keeps its token; in heartbeat mode it changes nothing.
   */
  renewed?: boolean;
  /**
   * The licence request was refused, with the SSM error body the licence server answered, if
   * any. A refusal whose `serverCode` is 1008 (the session was stopped from another device or
   * evicted) ends a licence-mode session at once: a fatal 6003 with `isStoppedRemotely`. Other
   * refusals change nothing: the renewal's deadline decides.
   */
  refused?: { httpStatus: number; serverCode?: number; message?: string };
}

/** How a live session is kept alive: heartbeat calls, or licence renewals (DRM enforcement). */
export type SsmRenewalMode = 'heartbeat' | 'licence';

/** In licence mode, the player must renew the licence now, with these tokens. */
export interface SsmRenewal {
  source: SsmSource;
  /** The newest session token. */
  sessionToken: string;
  /** `contentToken,sessionToken`: the token header value of the licence request. */
  authorization: string;
}

/**
 * Something worth knowing that is not an error: a server period that was clamped, and, in
 * development builds, a source that looks wrong, reported once per `src`. A development build
 * is one where `process.env.NODE_ENV` is set and is not `production`: a bundler in development
 * mode, Node or React Native. A production build drops that check and its code; a page loaded
 * without a bundler, where nothing sets `process.env.NODE_ENV`, reports none either.
 */
export type SsmDiagnostic =
  | {
      kind: 'heartbeat-clamped';
      source: SsmSource;
      /** The period the server asked for, in seconds. */
      requestedSeconds: number;
      /** The period used instead. */
      usedSeconds: number;
    }
  | {
      /** The source has a key SsmSource does not know; the SDK ignores it. */
      kind: 'source-unknown-key';
      source: SsmSource;
      key: string;
      /** The key it misspells, when only the case differs (`ssmServerURL` → `ssmServerUrl`). */
      didYouMean?: keyof SsmSource;
    }
  | {
      /** The source has no `ssmServerUrl`: it plays with no SSM session and the state stays `idle`. */
      kind: 'source-without-ssm';
      source: SsmSource;
    };

/** One SSM request as a transport sends it. */
export interface SsmRequest {
  /**
   * `renewal`: a Widevine licence renewal through SSM (`{base}/renewal-license-wv`);
   * `sessions`: the account's sessions (`GET {base}/sessions`); `stop`: stopping one of them
   * (`{base}/sessions/stop`).
   */
  call: 'setup' | 'heartbeat' | 'teardown' | 'renewal' | 'sessions' | 'stop';
  /** The HTTP method; absent means `POST` (every call but `sessions`). */
  method?: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** The JSON body; empty for a `GET`. */
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

/**
 * The installation the app runs on, as the app names it. The SSM stores a hash of `id`, never
 * the id itself, and shows `name` and `type` to the same account's other devices.
 */
export interface SsmDevice {
  /** The app's own stable id for this installation (at most 128 printable characters). */
  id: string;
  /** What the viewer calls this device, e.g. "Living-room TV" (at most 64). */
  name?: string;
  /** E.g. `browser`, `tv`, `phone` (at most 32). */
  type?: string;
}

/** Options of {@link ssmSession}. */
export interface SsmOptions {
  /**
   * This installation, sent in every setup body to the source's own SSM (and to no other
   * host), so that the account's other devices can see and stop this playback and the server
   * can count devices (`maxDevices`).
   */
  device?: SsmDevice;
  /** Setup and teardown wait for each other (safe, slower zaps). Default `false`. */
  syncMode?: boolean;
  /**
   * How requests go out. Default: the entry point's own, `axiosTransport()` for `rx-ssm`,
   * `fetchTransport()` for `rx-ssm/fetch` and `rx-ssm/react`.
   */
  transport?: SsmTransport;
  /** Timers (token wait, heartbeats); tests pass a `TestScheduler`. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** How long to wait for a content token before a setup error. Default 5000 ms. */
  tokenTimeoutMs?: number;
  /** Transient heartbeat failures retried within one period. Default 2. */
  heartbeatRetries?: number;
  /**
   * The shortest heartbeat period used, in seconds. A positive server period outside
   * `minHeartbeatSeconds … 86 400` is clamped into it and reported on `diagnostics$`; a setup
   * answer whose `heartbeat` is missing, not a number, zero or negative is a failed setup
   * (6001) instead, and the session it named is torn down. Default 1; marble specs may lower it.
   */
  minHeartbeatSeconds?: number;
  /**
   * When given, every setup carries an `Idempotency-Key` header with a key from this function
   * (e.g. `() => crypto.randomUUID()`), and a setup that got no answer or a 5xx is retried once
   * with the same key: a server that honours the key answers the first session again instead of
   * taking a second slot. Off by default: a production server's CORS rules may refuse the header.
   */
  setupIdempotencyKey?: () => string;
  /**
   * When the catch-up renewal after a background period finds the session expired (a refused
   * heartbeat, or no licence answer), set up a new session for the same source at once instead
   * of ending in the 6003 `error` state: one setup, limit-aware. It is never silent: `session$`
   * shows `setting-up` with `reestablishing` (the error), and `errors$` gets that 6003 with
   * `fatal: false`. Default `false`.
   */
  reestablishAfterBackground?: boolean;
}

/** The session as the app sees it. */
export type SsmState =
  | { status: 'idle' }
  | { status: 'awaiting-token'; source: SsmSource }
  | {
      status: 'setting-up';
      source: SsmSource;
      /** A re-establishment: the session expired in the background with this error. */
      reestablishing?: SsmError;
    }
  | {
      status: 'active';
      source: SsmSource;
      sessionToken: string;
      heartbeatSeconds: number;
      /** `contentToken,sessionToken`: the token header value of every licence request. */
      authorization: string;
      /** How this session is kept alive: heartbeat calls, or the DRM licence (enforcement). */
      renewal: SsmRenewalMode;
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
  /**
   * Licence mode: each period, the player must renew the licence now with these tokens (a new
   * licence request whose answer, fed to `licence$`, carries the next token).
   */
  renewals$: Observable<SsmRenewal>;
  /**
   * A Widevine CDM `license-renewal` message through SSM: posts the challenge to
   * `{base}/renewal-license-wv` with the current session token, on the session's own request
   * lane (a teardown waits for it), adopts the next token and emits the licence bytes. Errors
   * with a 6003 {@link SsmError} when it fails or when no session is live.
   */
  renewWidevine(challenge: Uint8Array): Observable<Uint8Array>;
  /** Diagnostics that are not errors, e.g. a heartbeat period the server gave that was clamped. */
  diagnostics$: Observable<SsmDiagnostic>;
}
