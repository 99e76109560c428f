/**
 * What a licence server's answer says, per DRM, as SSM reads it (wire protocol, "Licence-driven
 * sessions"): the bytes the CDM expects, and the next session token or the Widevine enforcement
 * flag it carries. Pure functions of the bytes; nothing here throws.
 */

/** What one licence answer holds. */
export type LicenceReading =
  | {
      status: 'read';
      /** The bytes for the CDM: the answer unwrapped (JSON wrappers) or as it came. */
      licence: Uint8Array;
      /** The next session token the answer carries, if any. */
      sessionToken?: string;
      /** Widevine JSON wrapper only: `sessionDrmEnforced`, `true` when missing or `null`. */
      drmEnforced?: boolean;
    }
  | {
      status: 'unreadable';
      /** The answer as it came: the CDM gets it unchanged and reports what it makes of it. */
      licence: Uint8Array;
      /** Why it could not be read, e.g. `Widevine JSON answer without "license"`. */
      reason: string;
    };

/** The DRM family of an EME key system name, or `undefined` for one SSM has no rule for. */
export type LicenceFormat = 'clearkey' | 'widevine' | 'playready' | 'fairplay';

/** The licence format of `keySystem` (`org.w3.clearkey`, `com.widevine.alpha`, …). */
export function licenceFormatOf(keySystem: string | null | undefined): LicenceFormat | undefined {
  if (!keySystem) return undefined;
  if (keySystem === 'org.w3.clearkey') return 'clearkey';
  if (keySystem.startsWith('com.widevine.alpha')) return 'widevine';
  if (
    keySystem.startsWith('com.microsoft.playready') ||
    keySystem.startsWith('com.chromecast.playready')
  )
    return 'playready';
  if (keySystem.startsWith('com.apple.fps')) return 'fairplay';
  return undefined;
}

/**
 * Reads a licence answer of `keySystem`:
 *
 * | key system | answer | licence for the CDM | SSM learns |
 * |---|---|---|---|
 * | ClearKey | `{"keys": [...], "sessionToken": ...}` | the JSON without `sessionToken` | `sessionToken` |
 * | Widevine | `{"license": [base64, ...] or base64, "sessionDrmEnforced": bool}` | the (first) licence, decoded | `drmEnforced` (`true` when missing or `null`) |
 * | Widevine | anything not JSON (a raw licence) | as it came | nothing |
 * | PlayReady | licence XML whose `CustomData` holds `{"sessionToken": ...}` | as it came | `sessionToken` |
 * | FairPlay | `{"CkcMessage": base64, "sessionToken": ...}` | the CKC, decoded | `sessionToken` |
 * | FairPlay | anything not JSON (a raw CKC) | as it came | nothing |
 * | other | anything | as it came | nothing |
 */
export function readLicenceResponse(
  keySystem: string | null | undefined,
  body: Uint8Array,
): LicenceReading {
  switch (licenceFormatOf(keySystem)) {
    case 'clearkey':
      return readClearKey(body);
    case 'widevine':
      return readWidevine(body);
    case 'playready':
      return readPlayReady(body);
    case 'fairplay':
      return readFairPlay(body);
    default:
      return { status: 'read', licence: body };
  }
}

/** A W3C ClearKey JSON licence; its `sessionToken` is taken out. */
export function readClearKey(body: Uint8Array): LicenceReading {
  const json = jsonObjectOf(body);
  if (!json) return unreadable(body, 'ClearKey answer is not a JSON object');
  if (!Array.isArray(json.keys)) return unreadable(body, 'ClearKey answer without a "keys" array');
  const { sessionToken, ...licence } = json;
  if (sessionToken === undefined) return { status: 'read', licence: body };
  if (typeof sessionToken !== 'string' || sessionToken === '') {
    return unreadable(body, 'ClearKey answer whose "sessionToken" is not a non-empty string');
  }
  return { status: 'read', licence: utf8(JSON.stringify(licence)), sessionToken };
}

/** A Widevine answer: the JSON wrapper unwrapped, or a raw licence as it came. */
export function readWidevine(body: Uint8Array): LicenceReading {
  if (!looksLikeJson(body)) return { status: 'read', licence: body };
  const json = jsonObjectOf(body);
  if (!json) return unreadable(body, 'Widevine JSON answer is not a JSON object');
  const license = Array.isArray(json.license) ? json.license[0] : json.license;
  const bytes = typeof license === 'string' ? fromBase64(license) : undefined;
  if (!bytes) return unreadable(body, 'Widevine JSON answer without a base64 "license"');
  const enforced = json.sessionDrmEnforced;
  if (enforced !== undefined && enforced !== null && typeof enforced !== 'boolean') {
    return unreadable(body, 'Widevine JSON answer whose "sessionDrmEnforced" is not a boolean');
  }
  return { status: 'read', licence: bytes, drmEnforced: enforced ?? true };
}

/** A PlayReady licence (XML), passed on as it came; `CustomData` JSON may carry the token. */
export function readPlayReady(body: Uint8Array): LicenceReading {
  const xml = textOf(body);
  if (xml === undefined) return unreadable(body, 'PlayReady answer is not text');
  const customData =
    /<(?:[\w.-]+:)?CustomData(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?CustomData>/.exec(xml)?.[1];
  if (customData === undefined) return { status: 'read', licence: body };
  const json = jsonObjectOfText(xmlText(customData));
  // CustomData is the licence server's to use: without a JSON token it says nothing to SSM.
  const token = json?.sessionToken;
  if (typeof token !== 'string' || token === '') return { status: 'read', licence: body };
  return { status: 'read', licence: body, sessionToken: token };
}

/** A FairPlay answer: the JSON wrapper unwrapped into the CKC, or a raw CKC as it came. */
export function readFairPlay(body: Uint8Array): LicenceReading {
  if (!looksLikeJson(body)) return { status: 'read', licence: body };
  const json = jsonObjectOf(body);
  if (!json) return unreadable(body, 'FairPlay JSON answer is not a JSON object');
  const ckc = typeof json.CkcMessage === 'string' ? fromBase64(json.CkcMessage) : undefined;
  if (!ckc) return unreadable(body, 'FairPlay JSON answer without a base64 "CkcMessage"');
  const token = json.sessionToken;
  if (token === undefined || token === null) return { status: 'read', licence: ckc };
  if (typeof token !== 'string' || token === '') {
    return unreadable(body, 'FairPlay answer whose "sessionToken" is not a non-empty string');
  }
  return { status: 'read', licence: ckc, sessionToken: token };
}

function unreadable(licence: Uint8Array, reason: string): LicenceReading {
  return { status: 'unreadable', licence, reason };
}

/** Whether the answer starts (after a UTF-8 byte order mark and blanks) with `{`. */
function looksLikeJson(body: Uint8Array): boolean {
  const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  for (const byte of body.subarray(bom ? 3 : 0)) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte === 0x7b;
  }
  return false;
}

function jsonObjectOf(body: Uint8Array): Record<string, unknown> | undefined {
  const text = textOf(body);
  return text === undefined ? undefined : jsonObjectOfText(text);
}

function jsonObjectOfText(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** UTF-8 text (a leading byte order mark dropped), or `undefined` when it is not UTF-8. */
function textOf(body: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of an XML element's content: CDATA kept, entities decoded. */
function xmlText(content: string): string {
  const cdata = /^\s*<!\[CDATA\[([\s\S]*)\]\]>\s*$/.exec(content);
  if (cdata) return cdata[1] ?? '';
  return content.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (entity, name: string) => {
    if (name[0] !== '#') return ENTITIES[name] ?? entity;
    const code =
      name[1] === 'x' || name[1] === 'X'
        ? Number.parseInt(name.slice(2), 16)
        : Number(name.slice(1));
    return Number.isInteger(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/** The bytes of base64 (or base64url) text; `undefined` when it is not base64 or empty. */
export function fromBase64(text: string): Uint8Array | undefined {
  const normal = text.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (normal === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(normal)) return undefined;
  try {
    return Uint8Array.from(atob(normal), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A body as bytes, without copying. */
export function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
