import { SsmError } from '../error.js';
import { defer, map, type Observable } from '../rx.js';
import { ssmCall } from '../session/ssm-call.js';
import type { HeldSession, SsmDevice, SsmResponse, SsmSource, SsmTransport } from '../types.js';
import {
  deviceProblem,
  parseAccountSessions,
  parseDone,
  type RequestExtras,
  sourceProblem,
  VISIBLE_ID,
} from '../wire/wire.js';

/** Options of `accountSessions`. */
export interface AccountSessionsOptions {
  /** How the request goes out; default the entry point's own transport. */
  transport?: SsmTransport;
  /** This installation: only its id is sent, so the server can mark its sessions `sameDevice`. */
  device?: SsmDevice;
}

/** Options of `stopSession`. */
export interface StopSessionOptions {
  /** How the request goes out; default the entry point's own transport. */
  transport?: SsmTransport;
}

/** The signature of `accountSessions`. */
export type AccountSessions = (
  source: SsmSource,
  options?: AccountSessionsOptions,
) => Observable<HeldSession[]>;

/** The signature of `stopSession`. */
export type StopSession = (
  source: SsmSource,
  sessionId: string,
  options?: StopSessionOptions,
) => Observable<void>;

/**
 * One account call for `source`: refused before sending (nothing goes out) when the source, or
 * `problem`, says it cannot be sent; else sent with the content token, its answer read by
 * `parse`, whose error is thrown.
 */
function accountCall<T>(
  call: 'sessions' | 'stop',
  source: SsmSource,
  problem: string | undefined,
  extras: RequestExtras | undefined,
  transport: SsmTransport,
  parse: (response: SsmResponse, source: SsmSource) => T | SsmError,
): Observable<T> {
  return defer(() => {
    const why =
      typeof source !== 'object' || source === null
        ? 'the source must be an object'
        : (sourceProblem(source) ?? (source.token ? problem : 'the source has no content token'));
    if (why) {
      throw new SsmError({ kind: 'account', message: `SSM account call not sent: ${why}`, source });
    }
    return ssmCall(transport, call, source, source.token as string, extras).pipe(
      map((response) => {
        const read = response instanceof SsmError ? response : parse(response, source);
        if (read instanceof SsmError) throw read;
        return read;
      }),
    );
  });
}

/**
 * `accountSessions` with the transport used when the options name none. Lists the live
 * sessions of the account the source's content token belongs to (`GET {base}/sessions` on the
 * source's SSM): emits them once and completes. Entries that do not read as a session are
 * dropped, and none ever carries a token.
 *
 * Errors with an `account` {@link SsmError} (code 6004, not fatal: no session ends with it) when
 * the source or device cannot be sent (nothing goes out), when no answer came (network, the
 * transport's deadline or size cap) or when the server refused (its `httpStatus`, `serverCode`);
 * a production SSM without this call answers 404, which is that error too.
 *
 * ```
 * accountSessions(source):  ----(l|)
 * ```
 */
export function accountSessionsWith(defaultTransport: () => SsmTransport): AccountSessions {
  return (source, { transport, device } = {}) =>
    accountCall(
      'sessions',
      source,
      deviceProblem(device),
      device && { device },
      transport ?? defaultTransport(),
      parseAccountSessions,
    );
}

/**
 * `stopSession` with the transport used when the options name none. Stops one live session of
 * the account the source's content token belongs to (`{base}/sessions/stop` on the source's
 * SSM), e.g. one of a refusal's `heldBy`: its slot is free at once, and the stopped playback
 * learns why on its next renewal (`isStoppedRemotely`). Emits once and completes.
 *
 * Errors with an `account` {@link SsmError} (code 6004, not fatal) as `accountSessions` does;
 * a session that is not (or no longer) a live one of this account is `serverCode` 1009.
 */
export function stopSessionWith(defaultTransport: () => SsmTransport): StopSession {
  return (source, sessionId, { transport } = {}) =>
    accountCall(
      'stop',
      source,
      typeof sessionId === 'string' && VISIBLE_ID.test(sessionId)
        ? undefined
        : 'sessionId must be 1 to 128 visible ASCII characters',
      { sessionId },
      transport ?? defaultTransport(),
      (response, source) => parseDone('stop', response, source),
    );
}
