import { defer, type MonoTypeOperatorFunction, tap } from '../rx.js';
import type { SsmDiagnostic, SsmSource } from '../types.js';

const KNOWN: readonly (keyof SsmSource)[] = ['src', 'token', 'ssmServerUrl', 'tokenHeader', 'drm'];

/** The known key that `key` only misspells by case (`ssmServerURL` → `ssmServerUrl`), if any. */
const knownKeyLike = (key: string): keyof SsmSource | undefined =>
  KNOWN.find((known) => known.toLowerCase() === key.toLowerCase());

/**
 * What a source seems to get wrong: keys SsmSource does not have (with the key they misspell,
 * when only the case differs), and no `ssmServerUrl`, which leaves the content without a
 * session (`idle`): right for content that needs none, a silent mistake otherwise.
 */
export function sourceDiagnostics(source: SsmSource): SsmDiagnostic[] {
  const unknown = Object.keys(source)
    .filter((key) => !(KNOWN as readonly string[]).includes(key))
    .map((key): SsmDiagnostic => {
      const like = knownKeyLike(key);
      return { kind: 'source-unknown-key', source, key, ...(like && { didYouMean: like }) };
    });
  return source.ssmServerUrl === undefined
    ? [...unknown, { kind: 'source-without-ssm', source }]
    : unknown;
}

/**
 * Reports {@link sourceDiagnostics} of each new `src` once, passing every source on unchanged.
 *
 * ```
 * source$:      a--a'--b--null--b
 * diagnostics:  d------d--------d
 * ```
 */
export function diagnosedSources(
  diagnose: (diagnostic: SsmDiagnostic) => void,
): MonoTypeOperatorFunction<SsmSource | null> {
  return (source$) =>
    defer(() => {
      let lastSrc: string | undefined;
      return source$.pipe(
        tap((source) => {
          if (typeof source !== 'object' || source === null || source.src === lastSrc) return;
          lastSrc = source.src;
          for (const diagnostic of sourceDiagnostics(source)) diagnose(diagnostic);
        }),
      );
    });
}
