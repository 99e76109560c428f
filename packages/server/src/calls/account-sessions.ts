import { debugLog } from '../http/logger.js';
import { badRequest, noSuchSession } from '../http/ssm-http-error.js';
import { contentTokenVerifier } from '../tokens/content-token.js';
import type { SessionContext } from './session-calls.js';
import { deviceHashOf, deviceIdHeaderOf, heldSessionBody } from './session-device.js';

/** A session id as a stop may name one: 1 to 128 printable ASCII characters. */
const SESSION_ID = /^[\x21-\x7E]{1,128}$/;

/** The `sessionId` of a stop body; 400/1004 when there is none or it is not one. */
function sessionIdOf(body: unknown): string {
  const sessionId =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>).sessionId
      : undefined;
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
    throw badRequest('stop request has no "sessionId" string');
  }
  return sessionId;
}

/**
 * The account's own calls, made with a content token of the account (the token header): the
 * listing `GET {base}/sessions` and the stop `POST {base}/sessions/stop`. Each answers only the
 * token's account: another account's session is unknown here (404/1009), never listed.
 */
export function accountSessionCalls(context: SessionContext) {
  const { store, signing, clock, metrics, log } = context;
  const verify = contentTokenVerifier(signing);

  return {
    /** The account's live sessions; `sameDevice` against the `X-SSM-Device-Id` it sent. */
    async list(headerValue: string | undefined, deviceHeader: string | undefined) {
      const now = clock();
      const { accountId } = await verify(headerValue, now);
      const deviceId = deviceIdHeaderOf(deviceHeader);
      const deviceHash = deviceId === undefined ? undefined : deviceHashOf(accountId, deviceId);
      const { sessions, expired } = await store.sessions(accountId, now);
      metrics.expiries += expired;
      return { sessions: sessions.map((held) => heldSessionBody(held, deviceHash)) };
    },

    /** Stops the account's live session `sessionId`: its slot is free at once. */
    async stop(headerValue: string | undefined, body: unknown) {
      const now = clock();
      const { accountId } = await verify(headerValue, now);
      const sessionId = sessionIdOf(body);
      const { stopped, expired } = await store.stop(accountId, sessionId, now);
      metrics.expiries += expired;
      if (!stopped) throw noSuchSession();
      metrics.remoteStops += 1;
      debugLog(log)?.debug({ accountId, sessionId }, 'session stopped from another device');
      return {};
    },
  };
}
