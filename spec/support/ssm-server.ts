import {
  createSsmServer,
  type MintContentTokenOptions,
  mintContentToken,
  type SsmServer,
  type SsmServerOptions,
} from '../../packages/server/src/index.js';

/** The secret spec servers verify with. */
export const SPEC_SECRET = 'spec-secret-of-at-least-thirty-two-bytes';

/** A server on a free port with a clock that starts at the real time and moves only by hand. */
export interface SpecServer {
  server: SsmServer;
  origin: string;
  /** `{origin}/v1`, the base the SDK would derive. */
  base: string;
  /** Ms since the epoch on the server's clock. */
  now(): number;
  advance(ms: number): void;
  /** A content token signed with {@link SPEC_SECRET}, issued at the server's now. */
  contentToken(options?: Partial<MintContentTokenOptions>): Promise<string>;
}

/**
 * Starts a server (no logs, spec secret, hand-moved clock) on 127.0.0.1 and a free port. Periods
 * under the protocol's 1 s floor are allowed, so specs can run many periods in little real time,
 * and a new session first expires after two periods like any other (no first-expiry floor) unless
 * a spec asks for `firstExpiryFloorSeconds`.
 */
export async function startSpecServer(options: SsmServerOptions = {}): Promise<SpecServer> {
  let now = Date.now();
  const server = createSsmServer({
    logger: false,
    secret: SPEC_SECRET,
    clock: () => now,
    minHeartbeatSeconds: 0.001,
    firstExpiryFloorSeconds: 0,
    ...options,
  });
  const origin = await server.listen(0);
  return {
    server,
    origin,
    base: `${origin}/v1`,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    contentToken: (overrides) =>
      mintContentToken({
        secret: SPEC_SECRET,
        accountId: 'alice',
        contentId: 'channel-1',
        maxSessions: 2,
        now,
        ...overrides,
      }),
  };
}
