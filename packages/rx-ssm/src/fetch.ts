/**
 * `rx-ssm/fetch`: the SDK with the platform's `fetch` as its default transport, and no axios
 * anywhere in its imports. Everything else is the same as `rx-ssm`.
 *
 * @module
 */
import { accountSessionsWith, stopSessionWith } from './account/account-sessions.js';
import { ssmSessionWith } from './session/session.js';
import { fetchTransport } from './transports/fetch.js';

export * from './api.js';

/**
 * Turns a player's intents into one SSM session stream. Requests go out through
 * {@link fetchTransport} unless `options.transport` names another: this entry point imports no
 * axios, so an app that uses it bundles none.
 *
 * ```
 * source$:   --a-----------b----------
 * stop$:     ----------------------s--
 * requests:  --S--H--H--H--T,S--H--T--      (async: T and S go out together)
 * session$:  i-sA-A--A--A--sA---A--di-
 * ```
 * `i` idle, `s` setting-up, `A` active, `d` tearing-down. The lifecycle, top to bottom:
 * intents → the wanted source → one lifecycle per wanted source (setup → heartbeats →
 * teardown, switched on every zap or stop) → states.
 *
 * @example
 * ```ts
 * const { session$, errors$ } = ssmSession({ source$, play$, stop$, appState$ });
 * session$.subscribe((state) => console.log(state.status));
 * ```
 */
export const ssmSession = ssmSessionWith(fetchTransport);

/**
 * The live sessions of the account the source's content token belongs to, as `accountSessions`
 * of `rx-ssm`, on {@link fetchTransport} unless `options.transport` names another.
 */
export const accountSessions = /* @__PURE__ */ accountSessionsWith(fetchTransport);

/**
 * Stops one live session of the account, as `stopSession` of `rx-ssm`, on
 * {@link fetchTransport} unless `options.transport` names another.
 */
export const stopSession = /* @__PURE__ */ stopSessionWith(fetchTransport);
