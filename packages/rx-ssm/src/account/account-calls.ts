import { axiosTransport } from '../transports/axios.js';
import { accountSessionsWith, stopSessionWith } from './account-sessions.js';

/**
 * The live sessions of the account the source's content token belongs to, from the source's
 * own SSM (`GET {base}/sessions`), for any screen of the app: no pipeline needed. Requests go
 * out through {@link axiosTransport} unless `options.transport` names another; `rx-ssm/fetch`
 * exports the same function on `fetchTransport()`. With `options.device`, that device's
 * sessions are marked `sameDevice`. Errors with a 6004 `account` `SsmError`.
 *
 * @example
 * ```ts
 * accountSessions(source, { device }).subscribe((sessions) =>
 *   sessions.forEach((s) => console.log(s.device.name, s.contentId, s.startedAt)),
 * );
 * ```
 */
export const accountSessions = /* @__PURE__ */ accountSessionsWith(axiosTransport);

/**
 * Stops one live session of the account the source's content token belongs to, e.g. one of a
 * limit refusal's `heldBy` (`{base}/sessions/stop` on the source's SSM). Its slot is free at
 * once; the stopped playback ends with `isStoppedRemotely` on its next renewal. Errors with a
 * 6004 `account` `SsmError` (`serverCode` 1009: no such live session of this account).
 *
 * @example
 * ```ts
 * stopSession(source, error.heldBy[0].sessionId).subscribe(() => play$.next());
 * ```
 */
export const stopSession = /* @__PURE__ */ stopSessionWith(axiosTransport);
