import { filter, map, type Observable, type OperatorFunction, withLatestFrom } from 'rxjs';
import type { LicenceAnswer, SsmSource } from '../../types.js';
import { licenceRefusalOf } from '../../wire/wire.js';
import {
  bytesOf,
  type LicenceReading,
  licenceFormatOf,
  readLicenceResponse,
} from './licence-response.js';

/** A licence answer that could be read. */
export type ReadLicence = Extract<LicenceReading, { status: 'read' }>;

/**
 * A licence answer read, with the key system it is for; or a renewal the licence server refused,
 * with what its error body said.
 */
export type ReadAnswer =
  | {
      reading: ReadLicence;
      keySystem: string | undefined;
      /** Set for a renewal's answer: the source it was sent for. */
      src?: string;
    }
  | { refused: NonNullable<LicenceAnswer['refused']>; keySystem: string | undefined; src: string };

/**
 * The answer of a renewal an adapter sent itself (dash.js and hls.js cannot ask for a licence
 * again), as it puts it on the player's events for the adapter's `licence$` to read.
 */
export interface RenewalAnswer {
  src: string;
  keySystem: string | undefined;
  body: ArrayBuffer;
  /** The answer's HTTP status; absent for a 2xx. */
  status?: number;
}

/** A renewal's answer, read; `undefined` when it cannot be. A 4xx or 5xx is a refusal. */
export function readRenewalAnswer({
  src,
  keySystem,
  body,
  status,
}: RenewalAnswer): ReadAnswer | undefined {
  if (status !== undefined && status >= 400) {
    return { refused: licenceRefusalOf(status, new TextDecoder().decode(body)), keySystem, src };
  }
  const reading = readLicenceResponse(keySystem, bytesOf(body));
  return reading.status === 'read' ? { reading, keySystem, src } : undefined;
}

/** What a read licence answer tells the session of `src`. */
export function licenceAnswerOf(
  src: string,
  reading: ReadLicence,
  keySystem: string | undefined,
): LicenceAnswer {
  // A FairPlay answer without a token: the server kept it (a renewal keeps the session's).
  const keptToken = reading.sessionToken === undefined && licenceFormatOf(keySystem) === 'fairplay';
  return {
    src,
    ...(reading.sessionToken !== undefined && { sessionToken: reading.sessionToken }),
    ...(reading.drmEnforced !== undefined && { drmEnforced: reading.drmEnforced }),
    ...(keySystem && { keySystem }),
    ...(keptToken && { renewed: true }),
  };
}

/**
 * Read answers as the `licence$` intent of the player's current source. An answer that says
 * which source it was sent for (a renewal's) and is not the current one's is dropped.
 *
 * ```
 * read:      --a-----r(x)--
 * source$:   x------y------
 * licence$:  --L(x)--------
 * ```
 */
export function asLicenceAnswers(
  source$: Observable<SsmSource | null>,
): OperatorFunction<ReadAnswer | undefined, LicenceAnswer> {
  return (read$) =>
    read$.pipe(
      filter((read): read is ReadAnswer => read !== undefined),
      withLatestFrom(source$),
      filter(
        (pair): pair is [ReadAnswer, SsmSource] =>
          pair[1] !== null && (pair[0].src === undefined || pair[0].src === pair[1].src),
      ),
      map(([read, source]) =>
        'refused' in read
          ? { src: source.src, refused: read.refused }
          : licenceAnswerOf(source.src, read.reading, read.keySystem),
      ),
    );
}
