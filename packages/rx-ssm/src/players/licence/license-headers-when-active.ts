import {
  asyncScheduler,
  EMPTY,
  filter,
  first,
  map,
  merge,
  type Observable,
  type SchedulerLike,
  throwError,
  timeout,
} from 'rxjs';
import { SsmError } from '../../error.js';
import type { SsmSession, SsmSource, SsmState } from '../../types.js';
import { licenseHeaders } from '../../wire/license-headers.js';

/** Options of {@link licenseHeadersWhenActive}. */
export interface LicenseWaitOptions {
  /** How long a licence request may wait for the session. Default 10 000 ms. */
  waitMs?: number;
  /**
   * The player's current source (e.g. `intents.source$`). When given, a source without
   * `ssmServerUrl` needs no session: its licence request goes out at once with the content token.
   */
  source$?: Observable<SsmSource | null>;
  /** Timer of the wait; default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

type Settled = Extract<SsmState, { status: 'active' | 'error' }>;

const settled = (state: SsmState): state is Settled =>
  state.status === 'active' || state.status === 'error';

const needsNoSession = (source: SsmSource | null): source is SsmSource =>
  source !== null && source.ssmServerUrl === undefined;

/**
 * The headers of the licence request about to go out: `{ [tokenHeader]: 'contentToken,sessionToken' }`
 * as soon as the session is `active`, with the newest session token. Emits once and completes.
 * Errors with the session's own {@link SsmError} when it fails (e.g. 6001 at the session limit),
 * and with a setup error when no session came within `waitMs`: a licence request never goes out
 * without its session token.
 *
 * ```
 * session$:  s-----A--A'--
 * headers:   ------(h|)
 *
 * session$:  s-----E
 * headers:   ------#          (the setup error)
 * ```
 *
 * @example
 * ```ts
 * const headers = await firstValueFrom(licenseHeadersWhenActive(session));
 * const response = await fetch(licenseUrl, { method: 'POST', headers, body: challenge });
 * ```
 */
export function licenseHeadersWhenActive(
  session: Pick<SsmSession, 'session$'>,
  options: LicenseWaitOptions = {},
): Observable<Record<string, string>> {
  const waitMs = options.waitMs ?? 10_000;
  return merge(
    session.session$.pipe(filter(settled)),
    (options.source$ ?? EMPTY).pipe(filter(needsNoSession)),
  ).pipe(
    first(),
    map((settledOrFree) => {
      if ('status' in settledOrFree && settledOrFree.status === 'error') throw settledOrFree.error;
      return licenseHeaders(settledOrFree);
    }),
    timeout({
      first: waitMs,
      scheduler: options.scheduler ?? asyncScheduler,
      with: () =>
        throwError(
          () =>
            new SsmError({
              kind: 'setup',
              message: `no SSM session within ${waitMs} ms: the licence request was not sent`,
            }),
        ),
    }),
  );
}
