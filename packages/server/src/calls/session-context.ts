import type { Logger } from 'pino';
import type { SsmMetrics } from '../http/metrics.js';
import type { SsmStore } from '../stores/store.js';
import type { SigningKeys } from '../tokens/content-token.js';

/** What the SSM calls work with. */
export interface SessionContext {
  store: SsmStore;
  signing: SigningKeys;
  clock: () => number;
  heartbeatSeconds: number;
  metrics: SsmMetrics;
  log?: Logger | undefined;
}
