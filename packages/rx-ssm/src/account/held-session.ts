/* What a limit refusal or a listing says about the sessions that hold the slots: plain data. */

/** Which concurrency rule refused a setup (the `rule` of a 1007 answer). */
export type SsmLimitRule =
  | 'maxSessions'
  | 'maxDevices'
  | 'maxSessionsPerContent'
  | 'maxSessionsPerGroup';

/** One live session of the account that holds a slot, as the server lists it (never a token). */
export interface HeldSession {
  /** Its public id, for `stopSession`; not a session token, never usable as one. */
  sessionId: string;
  /** The content (channel) it plays. */
  contentId: string;
  /** The device it plays on, as that device named itself. */
  device: { name?: string; type?: string };
  /** It plays on the device that asked (the same `device.id`). */
  sameDevice: boolean;
  startedAt: Date;
  /** Its last renewal (heartbeat or licence). */
  renewedAt: Date;
}
