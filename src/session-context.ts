import type { Observable, SchedulerLike } from 'rxjs';
import type { SsmError } from './error.js';
import type { Mode } from './mode.js';
import type { RequestLane } from './request-lane.js';
import type { AppState, SsmTransport } from './types.js';

/** What every step of one pipeline shares: its options, resolved, and its request lane. */
export interface SessionContext {
  readonly mode: Mode;
  readonly lane: RequestLane;
  readonly transport: SsmTransport;
  readonly scheduler: SchedulerLike;
  readonly tokenTimeoutMs: number;
  readonly heartbeatRetries: number;
  /** The app state, replaying the current one; `active` until told otherwise. */
  readonly appState$: Observable<AppState>;
  /** Play intents, shared. */
  readonly play$: Observable<unknown>;
  /** Hands an error to `errors$`. */
  readonly report: (error: SsmError) => void;
}
