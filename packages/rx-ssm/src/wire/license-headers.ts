import type { SsmSource, SsmState } from '../types.js';
import { tokenHeaderOf } from './wire.js';

/**
 * The headers a licence request needs: `{ [tokenHeader]: 'contentToken,sessionToken' }` for an
 * `active` state, `{ [tokenHeader]: contentToken }` for a source that needs no SSM session but
 * has a token, and `{}` otherwise (a licence request then has to wait for `active`).
 *
 * @param of A state of `session$`, or the player's current source.
 */
export function licenseHeaders(
  of: SsmState | SsmSource | null | undefined,
): Record<string, string> {
  if (!of) return {};
  if ('status' in of) {
    return of.status === 'active' ? { [tokenHeaderOf(of.source)]: of.authorization } : {};
  }
  if (of.ssmServerUrl === undefined && typeof of.token === 'string' && of.token) {
    return { [tokenHeaderOf(of)]: of.token };
  }
  return {};
}
