import type { SsmError } from '../error.js';
import type { Observable, SchedulerLike } from '../rx.js';
import type {
  AppState,
  LicenceAnswer,
  SsmDevice,
  SsmDiagnostic,
  SsmRenewal,
  SsmTransport,
} from '../types.js';
import type { Mode } from './mode.js';
import type { RequestLane } from './request-lane.js';

/** A Widevine `license-renewal` challenge on its way to the live session, and where its answer goes. */
export interface WidevineJob {
  readonly challenge: Uint8Array;
  /** Gets the licence bytes then completes, or the error. */
  readonly reply: {
    next(license: Uint8Array): void;
    complete(): void;
    error(error: SsmError): void;
  };
}

/** What every step of one pipeline shares: its options, resolved, and its request lane. */
export interface SessionContext {
  readonly mode: Mode;
  readonly lane: RequestLane;
  readonly transport: SsmTransport;
  readonly scheduler: SchedulerLike;
  readonly tokenTimeoutMs: number;
  readonly heartbeatRetries: number;
  /** The shortest heartbeat period used, in seconds. */
  readonly minHeartbeatSeconds: number;
  /** A session found expired on its return from the background is set up again. */
  readonly reestablishAfterBackground?: boolean;
  /** This installation, sent with every setup. */
  readonly device?: SsmDevice;
  /** A fresh `Idempotency-Key` per setup, when the app asked for one. */
  readonly setupIdempotencyKey?: () => string;
  /** The app state, replaying the current one; `active` until told otherwise. */
  readonly appState$: Observable<AppState>;
  /** Play intents, shared. */
  readonly play$: Observable<unknown>;
  /** Licence answers, shared. */
  readonly licence$: Observable<LicenceAnswer>;
  /** Widevine renewals asked for by the player; the live session takes them. */
  readonly widevine$: Observable<WidevineJob>;
  /** Takes the errors for `errors$`. */
  readonly errors: Output<SsmError>;
  /** Takes the asks to renew the licence for `renewals$`. */
  readonly renewals: Output<SsmRenewal>;
  /** Takes the diagnostics for `diagnostics$`. */
  readonly diagnostics: Output<SsmDiagnostic>;
}

/** Where a step hands what one of the pipeline's outputs emits (its subject). */
export interface Output<T> {
  next(value: T): void;
}
