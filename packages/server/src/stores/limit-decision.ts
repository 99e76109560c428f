import type { HeldSession, LimitRule, SessionLimits } from './store.js';

/** What a new counted session asks of the account's slots. */
export interface Wanted {
  contentId: string;
  contentGroup?: string | undefined;
  deviceHash?: string | undefined;
}

/** The outcome of {@link limitDecision}: admit (after ending `evict`), or refuse by `rule`. */
export type LimitDecision =
  | { admitted: true; evict: HeldSession[] }
  | { admitted: false; rule: LimitRule; holders: HeldSession[] };

/** True when an admission needs the account's sessions read: a limit beyond maxSessions, or eviction. */
export function policed(limits: SessionLimits): boolean {
  return (
    limits.maxDevices !== undefined ||
    limits.maxSessionsPerContent !== undefined ||
    limits.maxSessionsPerGroup !== undefined ||
    limits.onLimit === 'evict-oldest'
  );
}

/** A session's device for `maxDevices`: a session that named none is a device of its own. */
export const deviceKeyOf = (held: HeldSession): string =>
  held.deviceHash ?? `session:${held.sessionId}`;

/**
 * The first rule the new session would break among the account's `live` sessions (in the order
 * of the protocol's table), with the sessions that block it; undefined when none is broken.
 */
function blockedBy(
  live: readonly HeldSession[],
  wanted: Wanted,
  maxSessions: number,
  limits: SessionLimits,
): { rule: LimitRule; holders: HeldSession[] } | undefined {
  if (live.length >= maxSessions) return { rule: 'maxSessions', holders: [...live] };
  if (limits.maxDevices !== undefined) {
    const devices = new Set(live.map(deviceKeyOf));
    const known = wanted.deviceHash !== undefined && devices.has(wanted.deviceHash);
    if (!known && devices.size >= limits.maxDevices) {
      return { rule: 'maxDevices', holders: [...live] };
    }
  }
  if (limits.maxSessionsPerContent !== undefined) {
    const same = live.filter((held) => held.contentId === wanted.contentId);
    if (same.length >= limits.maxSessionsPerContent) {
      return { rule: 'maxSessionsPerContent', holders: same };
    }
  }
  if (limits.maxSessionsPerGroup !== undefined && wanted.contentGroup !== undefined) {
    const same = live.filter((held) => held.contentGroup === wanted.contentGroup);
    if (same.length >= limits.maxSessionsPerGroup) {
      return { rule: 'maxSessionsPerGroup', holders: same };
    }
  }
  return undefined;
}

/**
 * Decides a counted admission against the account's `held` sessions, least recently set up
 * first. With `deny` the first broken rule refuses it. With `evict-oldest` the oldest session
 * blocking the first broken rule is chosen for eviction and the rules are checked again, until
 * none is broken (admitted, those chosen to end) or a broken rule has no session to end (a
 * limit of 0: refused, nothing ended). Pure: the store applies the answer in the same atomic
 * step it read `held` in. The Redis scripts decide the same way in Lua.
 */
export function limitDecision(
  held: readonly HeldSession[],
  wanted: Wanted,
  maxSessions: number,
  limits: SessionLimits = {},
): LimitDecision {
  let live = held;
  const evict: HeldSession[] = [];
  for (;;) {
    const blocked = blockedBy(live, wanted, maxSessions, limits);
    if (!blocked) return { admitted: true, evict };
    const oldest = blocked.holders[0];
    if (limits.onLimit !== 'evict-oldest' || oldest === undefined) {
      return { admitted: false, ...blocked };
    }
    evict.push(oldest);
    live = live.filter((session) => session !== oldest);
  }
}
