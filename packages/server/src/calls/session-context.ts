import type { Logger } from 'pino';
import type { SsmMetrics } from '../http/metrics.js';
import type { SsmStore } from '../stores/store.js';
import type { SigningKeys } from '../tokens/content-token.js';

/**
 * What a licence renewal does to an enforced session's token: `rotate` answers a new one each
 * time (the old one is dead, as after a heartbeat); `stable` keeps it, so a client that never
 * adopts the token a renewal answer carries keeps its session. Heartbeats always rotate.
 */
export type LicenceTokenPolicy = 'rotate' | 'stable';

/** What the SSM calls work with. */
export interface SessionContext {
  store: SsmStore;
  signing: SigningKeys;
  clock: () => number;
  heartbeatSeconds: number;
  /** What a licence renewal does to the session token; default `rotate`. */
  licenceTokens?: LicenceTokenPolicy;
  /**
   * The shortest first lifetime of a session, in ms: a new session expires after the greater of
   * two periods and this, which leaves room for its first licence (clients that start their
   * heartbeats only after it). Default 0.
   */
  firstExpiryFloorMs?: number;
  metrics: SsmMetrics;
  log?: Logger | undefined;
}
