import { routeOfAccount, routeOfToken } from '../../src/server/session-token.js';
import type { SsmStore } from '../../src/server/store.js';

/**
 * A store whose callers' tokens are given their account's route, as the server's own tokens
 * are: so the store contract, which names tokens freely, runs against a Redis Cluster store,
 * whose scripts need an account's keys and its sessions' keys in one slot. Answers map back.
 */
export function routedTokens(store: SsmStore): SsmStore {
  const routed = new Map<string, string>();
  const original = new Map<string, string>();
  const remember = (token: string, route: string) => {
    const inStore = route + token;
    routed.set(token, inStore);
    original.set(inStore, token);
    return inStore;
  };
  const toStore = (token: string) => routed.get(token) ?? remember(token, '00');
  const fromStore = (token: string) => original.get(token) ?? token;

  return {
    ...store,
    async admit(admission, now) {
      const sessionToken = remember(
        admission.sessionToken,
        routeOfAccount(admission.session.accountId),
      );
      const result = await store.admit({ ...admission, sessionToken }, now);
      return result.replayed
        ? {
            ...result,
            replayed: { ...result.replayed, sessionToken: fromStore(result.replayed.sessionToken) },
          }
        : result;
    },
    find: (token, now) => store.find(toStore(token), now),
    remove: (token, now) => store.remove(toStore(token), now),
    async rotate(token, nextToken, expiresAt, now, terms) {
      const old = toStore(token);
      const next = remember(nextToken, routeOfToken(old));
      const result = await store.rotate(old, next, expiresAt, now, terms);
      return result.replayed
        ? {
            ...result,
            replayed: { ...result.replayed, sessionToken: fromStore(result.replayed.sessionToken) },
          }
        : result;
    },
  };
}
