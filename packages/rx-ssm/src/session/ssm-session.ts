import { axiosTransport } from '../transports/axios.js';
import { ssmSessionWith } from './session.js';

/**
 * Turns a player's intents into one SSM session stream. Requests go out through
 * {@link axiosTransport} unless `options.transport` names another; `rx-ssm/fetch` exports the
 * same function with `fetchTransport()` as its default, for apps that ship no axios.
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
export const ssmSession = ssmSessionWith(axiosTransport);
