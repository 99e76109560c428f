import {
  asyncScheduler,
  defer,
  delay,
  type Observable,
  of,
  type SchedulerLike,
  switchMap,
  throwError,
  timer,
} from 'rxjs';
import type { LicenceAnswer, SsmRequest, SsmResponse, SsmSource } from '../types.js';
import { ok, refused, type ScriptedTransport, scriptedTransport } from './scripted-transport.js';

/** Options of {@link ssmModel}. */
export interface SsmModelOptions {
  /** Concurrent sessions the account may hold. Default 2. */
  maxSessions?: number;
  /** Heartbeat period the model grants, in seconds. Default 5. */
  heartbeatSeconds?: number;
  /** Time from request to answer, in scheduler ms (frames in `TestScheduler.run`). Default 10. */
  latency?: number;
  scheduler?: SchedulerLike;
  /** Header that carries the tokens. Default `nv-authorizations`. */
  tokenHeader?: string;
  /**
   * Sessions are renewed by their licence (DRM enforcement), as the reference server does for a
   * content token with `drmEnforced`: {@link SsmModel.licence} and Widevine renewals rotate their
   * token, a heartbeat is refused 409 / 1006. Default false: heartbeat mode.
   */
  drmEnforced?: boolean;
}

/** One live session of the model. */
interface ModelSession {
  token: string;
  rotations: number;
  renewedAt: number;
  startedAt: number;
  /** The model knows no claims: a session's content is its content token. */
  contentId: string;
  deviceId: string | undefined;
  device: { name?: string; type?: string };
}

/** What the model reads of a request body. */
function bodyOf(request: SsmRequest): {
  sessionId?: string;
  device?: { id?: string; name?: string; type?: string };
  challenge?: unknown;
} {
  try {
    const body: unknown = JSON.parse(request.body || '{}');
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    return {};
  }
}

/** A scripted failure: a response to give instead, or `'no-response'` for a network failure. */
export type ModelFault = SsmResponse | 'no-response';

/** A small in-memory SSM server for marble specs of an app's own integration. */
export interface SsmModel {
  /** Pass as `options.transport`; records every request. */
  readonly transport: ScriptedTransport;
  /** Sessions live now (set up, not torn down, not expired). */
  liveSessions(): number;
  /** The most sessions that were ever live at once. */
  peakSessions(): number;
  /** Answer the next `times` requests of `call` with `fault` instead. */
  failNext(call: SsmRequest['call'], fault: ModelFault, times?: number): void;
  /**
   * The licence server's side of DRM enforcement (PlayReady, FairPlay, ClearKey): the answer to a
   * licence request made with `sessionToken` for `source`, `latency` later, as the player adapter
   * puts it on `licence$`. A session renewed by its licence (`drmEnforced`) is renewed and its
   * token rotated: the answer carries the next one. A heartbeat-mode session gets a licence with
   * no token. A stopped session's is refused 403 / 1008, an unknown or rotated-out token's
   * 401 / 1003. Takes what `renewals$` emits:
   * `renewals$.pipe(mergeMap((renewal) => model.licence(renewal))).subscribe(licence$)`.
   */
  licence(request: { source: SsmSource; sessionToken: string }): Observable<LicenceAnswer>;
}

/**
 * An in-memory model of an SSM server: a concurrent-session limit (403 / 1007 past it, naming
 * `rule: 'maxSessions'` and the sessions that hold the slots), session tokens `S1`, `S2`… that
 * rotate on every heartbeat (`S1.1`, `S1.2`…), 401 / 1003 for a token that is unknown or rotated
 * out, and expiry after two periods without a renewal. Sessions have ids `sid-1`, `sid-2`…: the
 * account's listing and stop calls work (`accountSessions`, `stopSession`; 404 / 1009 for an id
 * that is not live), and a stopped session's next heartbeat is refused 403 / 1008. Widevine
 * renewals (`renewWidevine`) answer the challenge's own bytes as the licence; with `drmEnforced`
 * they and {@link SsmModel.licence} renew the session and rotate its token, and heartbeats are
 * refused 409 / 1006.
 * A request changes the model when it is sent; the answer arrives `latency` later.
 *
 * @example
 * ```ts
 * testScheduler.run(({ hot, expectObservable }) => {
 *   const model = ssmModel({ maxSessions: 1, latency: 2 });
 *   const { session$ } = ssmSession({ source$: hot('-a', { a }) }, { transport: model.transport });
 *   …
 * });
 * ```
 */
export function ssmModel(options: SsmModelOptions = {}): SsmModel {
  const scheduler = options.scheduler ?? asyncScheduler;
  const maxSessions = options.maxSessions ?? 2;
  const periodMs = (options.heartbeatSeconds ?? 5) * 1000;
  const latency = options.latency ?? 10;
  const header = (options.tokenHeader ?? 'nv-authorizations').toLowerCase();
  const drmEnforced = options.drmEnforced ?? false;
  // session id → its current token, times and device
  const live = new Map<number, ModelSession>();
  // tokens of sessions stopped from elsewhere: their next renewal learns it (1008)
  const stopped = new Set<string>();
  const faults: Array<{ call: SsmRequest['call']; fault: ModelFault }> = [];
  let sessions = 0;
  let peak = 0;

  const expire = () => {
    for (const [id, session] of live) {
      if (scheduler.now() - session.renewedAt > 2 * periodMs) live.delete(id);
    }
  };
  const sessionOf = (token: string) => [...live].find(([, s]) => s.token === token);
  const headerOf = (request: SsmRequest, name: string) =>
    Object.entries(request.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
  const listed = (deviceId?: string) =>
    [...live].map(([id, s]) => ({
      sessionId: `sid-${id}`,
      contentId: s.contentId,
      device: s.device,
      sameDevice: deviceId !== undefined && s.deviceId === deviceId,
      startedAt: new Date(s.startedAt).toISOString(),
      renewedAt: new Date(s.renewedAt).toISOString(),
    }));

  const answer = (request: SsmRequest): SsmResponse => {
    expire();
    const token = headerOf(request, header);
    if (request.call === 'sessions' || request.call === 'stop' || request.call === 'setup') {
      if (!token) return refused(401, 1001, 'content token missing');
    }
    if (request.call === 'sessions')
      return ok({ sessions: listed(headerOf(request, 'x-ssm-device-id')) });
    if (request.call === 'stop') {
      const id = Number(/^sid-(\d+)$/.exec(bodyOf(request).sessionId ?? '')?.[1]);
      const session = live.get(id);
      if (!session) return refused(404, 1009, 'no live session of this account with that id');
      live.delete(id);
      stopped.add(session.token);
      return ok({});
    }
    if (request.call === 'setup') {
      const body = bodyOf(request);
      if (live.size >= maxSessions) {
        return {
          status: 403,
          body: {
            errorCode: 1007,
            message: 'session limit reached',
            rule: 'maxSessions',
            sessions: listed(body.device?.id),
          },
        };
      }
      sessions += 1;
      const now = scheduler.now();
      live.set(sessions, {
        token: `S${sessions}`,
        rotations: 0,
        renewedAt: now,
        startedAt: now,
        contentId: token,
        deviceId: body.device?.id,
        device: {
          ...(body.device?.name !== undefined && { name: body.device.name }),
          ...(body.device?.type !== undefined && { type: body.device.type }),
        },
      });
      peak = Math.max(peak, live.size);
      return ok({
        sessionToken: `S${sessions}`,
        sessionId: `sid-${sessions}`,
        heartbeat: periodMs / 1000,
      });
    }
    const sessionToken = token.split(',').pop() ?? '';
    // A stopped session's teardown has nothing left to do.
    if (request.call === 'teardown' && stopped.delete(sessionToken)) return ok({});
    const held = heldBy(sessionToken);
    if (!Array.isArray(held)) return held;
    const [id, session] = held;
    if (request.call === 'teardown') {
      live.delete(id);
      return ok({});
    }
    if (request.call === 'renewal') {
      const { challenge } = bodyOf(request);
      if (typeof challenge !== 'string' || challenge === '') {
        return refused(400, 1004, 'renewal request has no base64 "challenge"');
      }
      // A heartbeat-mode session gets its licence and keeps its token, as on the reference server.
      return ok({
        sessionToken: drmEnforced ? rotate(id, session) : session.token,
        license: challenge,
      });
    }
    if (drmEnforced) return refused(409, 1006, 'the session is renewed by its licence');
    return ok({ sessionToken: rotate(id, session) });
  };

  /** The live session of a session token, or the refusal its renewal gets (1008, 1003). */
  const heldBy = (sessionToken: string): [number, ModelSession] | SsmResponse => {
    if (stopped.has(sessionToken)) {
      return {
        status: 403,
        body: {
          errorCode: 1008,
          message: 'the session was stopped from another device',
          reason: 'stopped',
        },
      };
    }
    return (
      sessionOf(sessionToken) ?? refused(401, 1003, 'session token unknown, expired or rotated')
    );
  };

  /** Renews a session and gives it its next token. */
  const rotate = (id: number, session: ModelSession): string => {
    session.rotations += 1;
    session.token = `S${id}.${session.rotations}`;
    session.renewedAt = scheduler.now();
    return session.token;
  };

  const licenceAnswer = (source: SsmSource, sessionToken: string): LicenceAnswer => {
    expire();
    const { src } = source;
    const held = heldBy(sessionToken);
    if (!Array.isArray(held)) {
      // The refusal as the licence server answers it, handed on as the adapters do.
      const { errorCode, message } = held.body as { errorCode: number; message: string };
      return { src, refused: { httpStatus: held.status, serverCode: errorCode, message } };
    }
    return drmEnforced ? { src, sessionToken: rotate(...held) } : { src };
  };

  const transport = scriptedTransport(
    (request): Observable<SsmResponse> => {
      const at = faults.findIndex((f) => f.call === request.call);
      const fault = at >= 0 ? faults.splice(at, 1)[0]?.fault : undefined;
      if (fault === 'no-response') {
        return timer(latency, scheduler).pipe(
          switchMap(() => throwError(() => new Error('network failure'))),
        );
      }
      return of(fault ?? answer(request)).pipe(delay(latency, scheduler));
    },
    { scheduler, ...(options.tokenHeader && { tokenHeader: options.tokenHeader }) },
  );

  return {
    transport,
    liveSessions: () => {
      expire();
      return live.size;
    },
    peakSessions: () => peak,
    failNext(call, fault, times = 1) {
      for (let i = 0; i < times; i += 1) faults.push({ call, fault });
    },
    licence: ({ source, sessionToken }) =>
      defer(() => of(licenceAnswer(source, sessionToken))).pipe(delay(latency, scheduler)),
  };
}
