import {
  SESSION_LIMIT_SERVER_CODE,
  SsmError,
  type SsmErrorInit,
  type SsmErrorKind,
} from '../error.js';
import { HEADER_NAME, HEADER_VALUE } from '../transports/sendable-headers.js';
import type {
  HeldSession,
  SsmDevice,
  SsmLimitRule,
  SsmRequest,
  SsmResponse,
  SsmSource,
} from '../types.js';

/**
 * The SSM wire format: URLs, headers, bodies, response parsing and error mapping.
 * Nothing else in the SDK knows a path, a header name or a response field.
 */

/** Header that carries the tokens unless the source names another. */
export const DEFAULT_TOKEN_HEADER = 'nv-authorizations';

/** A live session as the server gave it. */
export interface SessionGrant {
  sessionToken: string;
  heartbeatSeconds: number;
}

/** A renewal as the server gave it; `heartbeatSeconds` only when the server changed the period. */
export interface Renewal {
  sessionToken: string;
  heartbeatSeconds?: number;
}

/** A Widevine licence renewal through SSM: the next token and the licence bytes for the CDM. */
export interface WidevineRenewal {
  sessionToken: string;
  license: Uint8Array;
}

/** Header of a setup that a server may answer twice without taking a second slot. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The longest period used, in seconds: longer ones overflow platform timers (2^31 ms). */
export const MAX_HEARTBEAT_SECONDS = 86_400;

/** The shortest period used by default, in seconds. */
export const MIN_HEARTBEAT_SECONDS = 1;

/** `seconds` clamped into `min … MAX_HEARTBEAT_SECONDS`. */
export function clampPeriod(seconds: number, min: number): number {
  return Math.min(MAX_HEARTBEAT_SECONDS, Math.max(min, seconds));
}

/** The header name of a source. */
export function tokenHeaderOf(source: SsmSource): string {
  return source.tokenHeader || DEFAULT_TOKEN_HEADER;
}

/** `contentToken,sessionToken`: what every licence request of a live session carries. */
export function authorizationOf(contentToken: string, sessionToken: string): string {
  return `${contentToken},${sessionToken}`;
}

/** An http(s) URL with a host. A pattern rather than `new URL`: React Native's URL leaves most getters unimplemented. */
const HTTP_URL = /^https?:\/\/[^/\s?#]+[^\s]*$/i;

/**
 * The base URL of an SSM service: one trailing `/` dropped, `/v1` appended unless the path
 * already ends in it. Throws a setup {@link SsmError} for a URL that is not http(s).
 */
export function ssmBaseUrl(ssmServerUrl: string, source?: SsmSource): string {
  if (!HTTP_URL.test(ssmServerUrl)) {
    throw new SsmError({
      kind: 'setup',
      message: `ssmServerUrl "${ssmServerUrl}" is not an http(s) URL`,
      source,
    });
  }
  return v1Of(ssmServerUrl);
}

/** `url` without query or fragment, one trailing `/` dropped, ending in `/v1`. */
function v1Of(url: string): string {
  const base = url.replace(/[?#].*$/, '').replace(/\/$/, '');
  return base.endsWith('/v1') ? base : `${base}/v1`;
}

/**
 * What a call may add to its request: a Widevine challenge, a setup's idempotency key and
 * device, the device asking for the account's sessions, the session id to stop.
 */
export interface RequestExtras {
  challenge?: Uint8Array;
  idempotencyKey?: string;
  device?: SsmDevice;
  sessionId?: string;
}

/**
 * Each call's path under the base URL, and the kind of error it gives: a Widevine renewal is a
 * heartbeat, a listing or a stop an account call.
 */
const CALLS: Record<SsmRequest['call'], readonly [path: string, kind: SsmErrorKind]> = {
  setup: ['sessions/setup', 'setup'],
  heartbeat: ['sessions/heartbeat', 'heartbeat'],
  teardown: ['sessions/teardown', 'teardown'],
  renewal: ['renewal-license-wv', 'heartbeat'],
  sessions: ['sessions', 'account'],
  stop: ['sessions/stop', 'account'],
};

/** Header of the account's sessions call that names the asking device (for `sameDevice`). */
const DEVICE_ID_HEADER = 'X-SSM-Device-Id';

/**
 * The body of one call: `{}` unless it carries something (a Widevine challenge, a setup's device,
 * the session id to stop). JSON leaves out what is undefined: a device's name or type, and the
 * session id of every call but a stop.
 */
function bodyOf(call: SsmRequest['call'], { challenge, device, sessionId }: RequestExtras): string {
  if (call === 'sessions') return '';
  return JSON.stringify(
    challenge
      ? { challenge: toBase64(challenge) }
      : device
        ? { device: { id: device.id, name: device.name, type: device.type } }
        : { sessionId },
  );
}

/**
 * The request of one SSM call; `token` is the content token for setup, else the session token
 * (alone, also for a Widevine renewal).
 */
export function ssmRequest(
  call: SsmRequest['call'],
  source: SsmSource,
  token: string,
  extras: RequestExtras = {},
): SsmRequest {
  const get = call === 'sessions';
  return present({
    call,
    method: get ? ('GET' as const) : undefined,
    url: `${ssmBaseUrl(source.ssmServerUrl ?? '', source)}/${CALLS[call][0]}`,
    headers: present({
      Accept: 'application/json',
      'Content-Type': get ? undefined : 'application/json; charset=utf-8',
      [tokenHeaderOf(source)]: token,
      [IDEMPOTENCY_KEY_HEADER]: extras.idempotencyKey,
      [DEVICE_ID_HEADER]: get ? extras.device?.id : undefined,
    }) as Record<string, string>,
    body: bodyOf(call, extras),
  });
}

/** A device id or session id: 1 to 128 visible ASCII characters. */
export const VISIBLE_ID = /^[\x21-\x7e]{1,128}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why a device cannot be sent, in plain words, or `undefined` when it can: the server refuses
 * (400/1004) an id past 128 visible ASCII characters, a name past 64 or a type past 32
 * characters, or anything that is not a string.
 */
export function deviceProblem(device: SsmDevice | undefined): string | undefined {
  const text = (value: unknown, max: number) =>
    value === undefined ||
    (typeof value === 'string' && value.length <= max && !CONTROL.test(value));
  return device === undefined ||
    (isRecord(device) &&
      typeof device.id === 'string' &&
      VISIBLE_ID.test(device.id) &&
      text(device.name, 64) &&
      text(device.type, 32))
    ? undefined
    : 'device must be { id: 1 to 128 visible ASCII characters, name?: up to 64 and type?: up to 32 characters without control characters }';
}

/** Base64 of bytes, with the platform's `btoa` (browsers, React Native's Hermes, Node). */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The bytes of a base64 (or base64url) text; `undefined` when it is not base64 or not text. */
function fromBase64(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** `fields` without those that are `undefined`: what the SDK hands out has them absent. */
function present<T extends object>(fields: T): T {
  // Each caller hands over an object literal of its own: the fields go from it in place.
  for (const key in fields) if (fields[key] === undefined) delete fields[key];
  return fields;
}

/** The response body as JSON, when it is JSON (transports may hand over text). */
function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Where a call went, for messages: the call's URL without user info, query or fragment (a
 * token never travels in the URL, and nothing after the path is shown).
 */
function callUrlOf(call: SsmRequest['call'], source: SsmSource): string {
  return `${v1Of((source.ssmServerUrl ?? '').replace(/\/\/[^/@]*@/, '//'))}/${CALLS[call][0]}`;
}

/** Why a non-2xx answer failed, when its body does not say. */
function statusCause(status: number, body: unknown): string {
  if (status === 0 || (status >= 300 && status < 400)) return 'a redirect, not followed';
  if (status === 404) return 'nothing answers at this URL';
  return typeof body === 'string' && body.trim() === ''
    ? 'with an empty body'
    : 'with a body that is not JSON';
}

/** The typed error of a non-2xx response, with the server's `errorCode` and `message` if any. */
export function errorOfResponse(
  call: SsmRequest['call'],
  response: SsmResponse,
  source: SsmSource,
): SsmError {
  const body = jsonBody(response.body);
  const { serverCode, message: serverMessage } = errorBodyOf(body);
  // A server code is only ever read from an object body.
  const limit =
    serverCode === SESSION_LIMIT_SERVER_CODE ? limitOf(body as Record<string, unknown>) : {};
  const detail = [
    serverCode !== undefined && `server code ${serverCode}`,
    limit.rule && `rule ${limit.rule}`,
    serverMessage !== undefined && `"${serverMessage}"`,
    serverCode === undefined && !isRecord(body) && statusCause(response.status, response.body),
  ]
    .filter(Boolean)
    .join(', ');
  return callError(
    call,
    source,
    `failed with HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
    {
      httpStatus: response.status,
      serverCode,
      serverMessage,
      ...limit,
    },
  );
}

/** The error of one call, `SSM {kind} {what} ({where it went})`, with what else is known. */
function callError(
  call: SsmRequest['call'],
  source: SsmSource,
  what: string,
  known: Omit<SsmErrorInit, 'kind' | 'message' | 'source'>,
): SsmError {
  const kind = CALLS[call][1];
  return new SsmError({
    kind,
    message: `SSM ${kind} ${what} (${callUrlOf(call, source)})`,
    source,
    ...known,
  });
}

/** The `errorCode` and `message` of an SSM error body, each when it has the right type. */
function errorBodyOf(body: unknown): { serverCode?: number; message?: string } {
  const { errorCode, message } = isRecord(body) ? body : {};
  return present({
    serverCode: typeof errorCode === 'number' ? errorCode : undefined,
    message: textOf(message),
  });
}

const RULES: readonly SsmLimitRule[] = [
  'maxSessions',
  'maxDevices',
  'maxSessionsPerContent',
  'maxSessionsPerGroup',
];

/** The `rule` and `sessions` of a 1007 answer, each only when usable. */
function limitOf(body: Record<string, unknown>): {
  rule?: SsmLimitRule;
  heldBy?: readonly HeldSession[];
} {
  const heldBy = Array.isArray(body.sessions) ? heldSessionsOf(body.sessions) : [];
  return present({
    rule: RULES.find((known) => known === body.rule),
    heldBy: heldBy.length > 0 ? heldBy : undefined,
  });
}

/**
 * The sessions of a listing, read defensively: an entry without a string `sessionId` and
 * `contentId` or with a date that does not parse is dropped, and only the known fields are kept,
 * so whatever else a server put there (a token) never reaches the app.
 */
export function heldSessionsOf(entries: readonly unknown[]): HeldSession[] {
  return entries.slice(0, 1000).flatMap((entry): HeldSession[] => {
    if (!isRecord(entry)) return [];
    const { sessionId, contentId, device, sameDevice } = entry;
    const startedAt = dateOf(entry.startedAt);
    const renewedAt = dateOf(entry.renewedAt);
    const { name, type } = isRecord(device) ? device : {};
    return typeof sessionId === 'string' &&
      sessionId &&
      typeof contentId === 'string' &&
      startedAt &&
      renewedAt
      ? [
          {
            sessionId,
            contentId,
            device: present({ name: textOf(name), type: textOf(type) }),
            sameDevice: sameDevice === true,
            startedAt,
            renewedAt,
          },
        ]
      : [];
  });
}

/** `value` when it is a string, else `undefined`. */
function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An ISO 8601 text as a `Date`, `undefined` when it is not one. */
function dateOf(text: unknown): Date | undefined {
  const date = new Date(textOf(text) ?? Number.NaN);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An answer to `GET {base}/sessions`: the account's sessions, or the account error. */
export function parseAccountSessions(
  response: SsmResponse,
  source: SsmSource,
): HeldSession[] | SsmError {
  if (!isOk(response.status)) return errorOfResponse('sessions', response, source);
  const body = jsonBody(response.body);
  return isRecord(body) && Array.isArray(body.sessions)
    ? heldSessionsOf(body.sessions)
    : malformed('sessions', response, source, 'without a sessions list');
}

/**
 * What a refused licence answer said, for `LicenceAnswer.refused`: its status, and the SSM
 * error body's `errorCode` and `message` when the body is one (e.g. 1008: stopped remotely).
 */
export function licenceRefusalOf(
  httpStatus: number,
  body: unknown,
): { httpStatus: number; serverCode?: number; message?: string } {
  return { httpStatus, ...errorBodyOf(jsonBody(body)) };
}

/**
 * The typed error of a request that got no response handed to the SDK: the network failed, or
 * the transport gave up (its deadline, an answer over its size cap, a header it cannot send),
 * each said as what it is.
 */
export function errorOfNoResponse(
  call: SsmRequest['call'],
  cause: unknown,
  source: SsmSource,
): SsmError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const failure = (cause as { reason?: unknown } | null)?.reason;
  const what =
    failure === 'too-large'
      ? 'refused the answer'
      : failure === 'unsendable-header'
        ? 'was not sent'
        : 'got no response';
  return callError(call, source, `${what}: ${reason}`, { cause });
}

/** A 2xx response whose body breaks the protocol. */
function malformed(
  call: SsmRequest['call'],
  response: SsmResponse,
  source: SsmSource,
  why: string,
): SsmError {
  return callError(call, source, `answered HTTP ${response.status} but ${why}`, {
    httpStatus: response.status,
  });
}

/**
 * A setup response: a grant, or the error that says why not. A 2xx that carries a session token
 * but no usable period is still an error; its token is returned as `orphan` so it can be torn
 * down instead of holding a slot until it expires.
 */
export function parseSetup(
  response: SsmResponse,
  source: SsmSource,
): SessionGrant | { error: SsmError; orphan?: string } {
  const granted = grantedBody('setup', response, source);
  if ('error' in granted) return granted;
  const { sessionToken } = granted;
  const { heartbeat } = granted.body;
  if (!isPeriod(heartbeat)) {
    return {
      error: malformed('setup', response, source, `with heartbeat ${JSON.stringify(heartbeat)}`),
      orphan: sessionToken,
    };
  }
  return { sessionToken, heartbeatSeconds: heartbeat };
}

/** A period a server may give: a positive, finite number of seconds. */
function isPeriod(value: unknown): value is number {
  // Number.isFinite is false for anything that is not a finite number, without coercing it.
  return Number.isFinite(value) && (value as number) > 0;
}

/**
 * The body of a 2xx answer that names a session, and its `sessionToken` checked, or the error of
 * the call: a setup's, or a heartbeat's for a heartbeat or a Widevine renewal. A token that
 * cannot be sent back, not even in a teardown, is an error: the server expires it. An answer
 * without one (missing or `null`) keeps `keptToken`, when the call may keep it.
 */
function grantedBody(
  call: 'setup' | 'heartbeat' | 'renewal',
  response: SsmResponse,
  source: SsmSource,
  keptToken?: string,
): { body: Record<string, unknown>; sessionToken: string } | { error: SsmError } {
  if (!isOk(response.status)) return { error: errorOfResponse(call, response, source) };
  const body = jsonBody(response.body);
  const token = isRecord(body) ? (body.sessionToken ?? keptToken) : undefined;
  const why =
    typeof token !== 'string' || !token
      ? 'without a sessionToken'
      : isSendable(token)
        ? undefined
        : 'with a sessionToken a header cannot carry';
  if (why) return { error: malformed(call, response, source, why) };
  return { body: body as Record<string, unknown>, sessionToken: token as string };
}

/** A heartbeat response: the rotated token (and a new period, if any), or the error. */
export function parseHeartbeat(
  response: SsmResponse,
  source: SsmSource,
): Renewal | { error: SsmError } {
  const renewed = grantedBody('heartbeat', response, source);
  if ('error' in renewed) return renewed;
  const { sessionToken } = renewed;
  const { heartbeat } = renewed.body;
  return present({ sessionToken, heartbeatSeconds: isPeriod(heartbeat) ? heartbeat : undefined });
}

/**
 * A Widevine renewal response `{sessionToken, license}`: the next token and the licence bytes,
 * or the error (a heartbeat error: the renewal is this session's heartbeat). An answer without
 * `sessionToken` (missing or `null`: a server that keeps the token) keeps `currentToken`.
 */
export function parseWidevineRenewal(
  response: SsmResponse,
  source: SsmSource,
  currentToken: string,
): WidevineRenewal | { error: SsmError } {
  const renewed = grantedBody('renewal', response, source, currentToken);
  if ('error' in renewed) return renewed;
  const { body, sessionToken } = renewed;
  const license = fromBase64(body.license);
  if (!license)
    return { error: malformed('renewal', response, source, 'without a base64 license') };
  return { sessionToken, license };
}

/**
 * An answer whose body says nothing (a teardown, a stop): `undefined` when it worked, else the
 * error. Any 2xx body is fine.
 */
export function parseDone(
  call: 'teardown' | 'stop',
  response: SsmResponse,
  source: SsmSource,
): SsmError | undefined {
  return isOk(response.status) ? undefined : errorOfResponse(call, response, source);
}

/** Worth another try within the period: no response at all, or a 5xx. */
export function isTransient(error: SsmError): boolean {
  return error.httpStatus === undefined || error.httpStatus >= 500;
}

/** Server code of a heartbeat call for a session that its licence renews (409). */
const RENEWED_BY_LICENCE_SERVER_CODE = 1006;

/** The server says this session is renewed by its licence, not by heartbeat calls. */
export function isRenewedByLicence(error: SsmError): boolean {
  return error.serverCode === RENEWED_BY_LICENCE_SERVER_CODE;
}

/**
 * What a session token must look like to go back out in a header: 1 to 4096 visible ASCII
 * characters but the comma, which separates it from the content token.
 */
const SENDABLE_TOKEN = /^[\x21-\x2b\x2d-\x7e]{1,4096}$/;

/** A session token that can be sent as (part of) a header value. */
export function isSendable(token: string): boolean {
  return SENDABLE_TOKEN.test(token);
}

/**
 * Why a source cannot be sent, in plain words, or `undefined` when it can. Catches what would
 * otherwise throw inside a transport or smuggle a header: a missing `src`, a non-string token,
 * a token with line breaks, an invalid header name.
 */
export function sourceProblem(source: SsmSource): string | undefined {
  if (typeof source.src !== 'string' || source.src === '') {
    return 'the source has no src';
  }
  if (typeof source.ssmServerUrl !== 'string') return 'ssmServerUrl must be a string';
  if (source.token !== undefined && typeof source.token !== 'string') {
    return 'the content token must be a string';
  }
  if (source.token !== undefined && !HEADER_VALUE.test(source.token)) {
    return 'the content token has a character a header cannot carry';
  }
  if (source.tokenHeader !== undefined && !HEADER_NAME.test(source.tokenHeader)) {
    return `tokenHeader "${String(source.tokenHeader)}" is not a valid header name`;
  }
  try {
    ssmBaseUrl(source.ssmServerUrl);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}
