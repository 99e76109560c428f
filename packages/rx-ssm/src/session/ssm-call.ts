import { of } from '../creation.js';
import { SsmError } from '../error.js';
import { catchError, defer, type Observable, take, throwIfEmpty } from '../rx.js';
import type { SsmRequest, SsmResponse, SsmSource, SsmTransport } from '../types.js';
import { errorOfNoResponse, type RequestExtras, ssmRequest } from '../wire/wire.js';

/**
 * One SSM call through the transport: the first response, or the typed error of a call that got
 * none. Never errors, so a failure stays a value the lifecycle can decide about.
 *
 * ```
 * transport:  ---r|          ---#
 * ssmCall:    ---r|          ---(e|)
 * ```
 */
export function ssmCall(
  transport: SsmTransport,
  call: SsmRequest['call'],
  source: SsmSource,
  token: string,
  extras?: RequestExtras,
): Observable<SsmResponse | SsmError> {
  return defer(() => transport(ssmRequest(call, source, token, extras))).pipe(
    take(1),
    throwIfEmpty(() => new Error('the transport completed without a response')),
    catchError((cause: unknown) =>
      of(cause instanceof SsmError ? cause : errorOfNoResponse(call, cause, source)),
    ),
  );
}
