import { hash } from 'node:crypto';
import { badRequest } from '../http/ssm-http-error.js';
import type { HeldSession, SessionHolder } from '../stores/store.js';

/** The device a setup names, as its body carries it. */
export interface SetupDevice {
  id: string;
  name?: string;
  type?: string;
}

/** No control, format, surrogate, private-use or unassigned character. */
const PRINTABLE = /^[^\p{C}]*$/u;

/** Characters, not UTF-16 units: a name in any script counts as a reader would count it. */
const lengthOf = (text: string) => [...text].length;

function printable(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'string' || !PRINTABLE.test(value)) {
    throw badRequest(`device.${field} must be a string of printable characters`);
  }
  const length = lengthOf(value);
  if (length < min || length > max) {
    throw badRequest(`device.${field} must be ${min} to ${max} characters`);
  }
  return value;
}

/**
 * The device of a setup body `{"device": {"id", "name"?, "type"?}}`, or undefined when the body
 * names none. Throws 400/1004 for a device that is not an object, an id that is not 1 to 128
 * printable characters, a name over 64 or a type over 32, or any of them not a string.
 */
export function setupDeviceOf(body: unknown): SetupDevice | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { device } = body as Record<string, unknown>;
  if (device === undefined) return undefined;
  if (typeof device !== 'object' || device === null || Array.isArray(device)) {
    throw badRequest('device must be an object {"id", "name"?, "type"?}');
  }
  const { id, name, type } = device as Record<string, unknown>;
  return {
    id: printable(id, 'id', 1, 128),
    ...(name !== undefined && { name: printable(name, 'name', 0, 64) }),
    ...(type !== undefined && { type: printable(type, 'type', 0, 32) }),
  };
}

/** The device id of an `X-SSM-Device-Id` header, if sent; 400/1004 when it is not a valid id. */
export function deviceIdHeaderOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return printable(value, 'id', 1, 128);
  } catch {
    throw badRequest('X-SSM-Device-Id must be 1 to 128 printable characters');
  }
}

/**
 * The hash a store keeps of a device id: SHA-256 of the account and the id, so the raw id is
 * never stored and one device's hash in one account says nothing about another account.
 */
export function deviceHashOf(accountId: string, deviceId: string): string {
  return hash('sha256', JSON.stringify([accountId, deviceId]), 'base64url');
}

/** The holder a store keeps for a new session of `accountId` on `device`. */
export function holderOf(
  accountId: string,
  sessionId: string,
  device: SetupDevice | undefined,
  contentGroup: string | undefined,
): SessionHolder {
  return {
    sessionId,
    ...(contentGroup !== undefined && { contentGroup }),
    ...(device && { deviceHash: deviceHashOf(accountId, device.id) }),
    ...(device?.name !== undefined && { deviceName: device.name }),
    ...(device?.type !== undefined && { deviceType: device.type }),
  };
}

/** A held session as an answer shows it: no token, no device hash, times in ISO 8601. */
export function heldSessionBody(held: HeldSession, deviceHash: string | undefined) {
  return {
    sessionId: held.sessionId,
    contentId: held.contentId,
    device: deviceBody(held),
    sameDevice: deviceHash !== undefined && held.deviceHash === deviceHash,
    startedAt: new Date(held.startedAt).toISOString(),
    renewedAt: new Date(held.renewedAt).toISOString(),
  };
}

/** A session a setup evicted, as its answer names it. */
export function evictedBody(held: HeldSession) {
  return { sessionId: held.sessionId, contentId: held.contentId, device: deviceBody(held) };
}

/** The device of a held session as an answer shows it: its name and type, as given. */
export function deviceBody(held: HeldSession): { name?: string; type?: string } {
  return {
    ...(held.deviceName !== undefined && { name: held.deviceName }),
    ...(held.deviceType !== undefined && { type: held.deviceType }),
  };
}
