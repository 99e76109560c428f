import { concatMap, EMPTY, merge, type Observable, takeUntil } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  labels,
  requestLog,
  SETUP_URL,
  ssmSource,
  testScheduler,
} from '../../../../spec/support/marbles.js';
import {
  type HeldSession,
  type LicenceAnswer,
  type SsmError,
  type SsmRequest,
  type SsmResponse,
  ssmSession,
  stopSession,
} from '../../src/index.js';
import {
  ok,
  refused,
  type ScriptedTransport,
  scriptedTransport,
  ssmModel,
} from '../../src/testing/index.js';

const a = ssmSource('a');
const b = ssmSource('b', { ssmServerUrl: 'https://other-ssm.test/tenant/ssm' });
const device = { id: 'tv-1', name: 'Living-room TV', type: 'tv' };

type Cold = (marble: string, values?: Record<string, SsmResponse>) => Observable<SsmResponse>;

/** What a 1007 answer lists: one session of the account on another device. */
const held = {
  sessionId: 'sid-X',
  contentId: 'channel-1',
  device: { name: 'Phone', type: 'phone' },
  sameDevice: false,
  startedAt: '2026-01-02T03:04:05.000Z',
  renewedAt: '2026-01-02T03:05:05.000Z',
};
const heldSession: HeldSession = {
  ...held,
  startedAt: new Date('2026-01-02T03:04:05.000Z'),
  renewedAt: new Date('2026-01-02T03:05:05.000Z'),
};
const atLimit = (sessions: unknown): SsmResponse => ({
  status: 403,
  body: { errorCode: 1007, message: 'limit', rule: 'maxDevices', sessions },
});
const stopped = { status: 403, body: { errorCode: 1008, message: 'stopped', reason: 'stopped' } };

/**
 * A scripted SSM at limit 1 whose slot `sid-X` another device holds until it is stopped: setups
 * are refused with 1007 naming it, `stop` frees it; then setup grants `S1`, `S2`…, heartbeats
 * rotate to `H1`…, and every call answers after 2 frames. `stopAfter` heartbeats (or Widevine
 * renewals) are answered 1008: the session was stopped from elsewhere.
 */
function limitServer(cold: Cold, options: { held?: boolean; stopAfter?: number } = {}) {
  let holder = options.held ?? false;
  let sessions = 0;
  let renewals = 0;
  return scriptedTransport((req: SsmRequest) => {
    const answer = (response: SsmResponse) => cold('--r|', { r: response });
    switch (req.call) {
      case 'setup':
        if (holder) return answer(atLimit([held]));
        sessions += 1;
        return answer(
          ok({ sessionToken: `S${sessions}`, sessionId: `sid-${sessions}`, heartbeat: 1 }),
        );
      case 'stop':
        if (JSON.parse(req.body).sessionId !== 'sid-X') return answer(refused(404, 1009));
        holder = false;
        return answer(ok({}));
      case 'heartbeat':
      case 'renewal':
        renewals += 1;
        if (options.stopAfter !== undefined && renewals > options.stopAfter) return answer(stopped);
        return answer(
          ok(
            req.call === 'renewal'
              ? { sessionToken: `W${renewals}`, license: btoa('lic') }
              : { sessionToken: `H${renewals}` },
          ),
        );
      default:
        return answer(ok({}));
    }
  });
}

/** Licence answers for `a` that put its session in licence mode: none in heartbeat mode. */
function licenceAnswers(
  renewal: 'heartbeat' | 'licence',
  hot: (marble: string, values?: Record<string, LicenceAnswer>) => Observable<LicenceAnswer>,
  marble: string,
  values: Record<string, LicenceAnswer>,
): Observable<LicenceAnswer> {
  return renewal === 'licence' ? hot(marble, values) : EMPTY;
}

const errorOf = (transport: ScriptedTransport, errors: SsmError[]) => ({
  requests: requestLog(transport),
  error: errors[0],
});

describe.each([
  ['async', 'heartbeat', false],
  ['sync', 'heartbeat', true],
  ['async', 'licence', false],
  ['sync', 'licence', true],
] as const)('at the limit (%s, %s mode)', (_mode, renewal, syncMode) => {
  it('21. a setup refused for a limit is the error state with the rule and the sessions that hold the slots (dates as Dates, no token)', () => {
    let transport = limitServer(() => EMPTY);
    const errors: SsmError[] = [];
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold, { held: true });
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: licenceAnswers(renewal, hot, '', {}),
        },
        { transport, syncMode, device },
      );
      session.errors$.subscribe((error) => errors.push(error));
      expectObservable(labels(session.session$), '^ 20ms !').toBe('is-E', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
      });
    });
    const { requests, error } = errorOf(transport, errors);
    expect(requests).toEqual(['1 setup ct-a']);
    expect(error).toMatchObject({
      code: 6001,
      fatal: true,
      isSessionLimit: true,
      isStoppedRemotely: false,
      rule: 'maxDevices',
    });
    expect(error?.heldBy).toEqual([heldSession]);
    expect(error?.heldBy?.[0]?.startedAt).toBeInstanceOf(Date);
  });

  it('22. stopSession of the holder, then play$, sets up at once; the new session lives and is torn down at the end', () => {
    let transport = limitServer(() => EMPTY);
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold, { held: true });
      // The app's "Stop it and watch here": stop the holder, then play.
      const play$ = hot('- 9ms x').pipe(concatMap(() => stopSession(a, 'sid-X', { transport })));
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          play$,
          licence$: licenceAnswers(renewal, hot, '- 20ms l', {
            l: { src: 'a.mpd', sessionToken: 'L1' },
          }),
          stop$: hot('- 29ms s'),
        },
        { transport, syncMode, device },
      );
      const states = renewal === 'licence' ? 'is-E 8ms s-A 6ms L 8ms d-i' : 'is-E 8ms s-A 15ms d-i';
      expectObservable(labels(session.session$), '^ 40ms !').toBe(states, {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
        A: 'active a S1',
        L: 'licence a L1',
        d: 'down a',
      });
    });
    const teardownToken = renewal === 'licence' ? 'L1' : 'S1';
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '10 stop ct-a',
      '12 setup ct-a',
      `30 teardown ${teardownToken}`,
    ]);
    expect(transport.requests[1]?.request.body).toBe('{"sessionId":"sid-X"}');
  });

  it('23. a renewal refused with 1008 is a fatal 6003 with isStoppedRemotely: no retry, and the teardown still goes out', () => {
    let transport = limitServer(() => EMPTY);
    const errors: SsmError[] = [];
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold, { stopAfter: 0 });
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          // Licence mode: the licence server refuses the renewal of the stopped session.
          licence$: licenceAnswers(renewal, hot, '- 9ms l 999ms r', {
            l: { src: 'a.mpd', sessionToken: 'L1' },
            r: { src: 'a.mpd', refused: { httpStatus: 403, serverCode: 1008, message: 'stopped' } },
          }),
        },
        { transport, syncMode, heartbeatRetries: 2 },
      );
      session.errors$.subscribe((error) => errors.push(error));
      const states = renewal === 'licence' ? 'is-A 6ms L 999ms E' : 'is-A 1001ms E';
      expectObservable(labels(session.session$), '^ 3000ms !').toBe(states, {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        L: 'licence a L1',
        E: 'error a 6003',
      });
    });
    expect(requestLog(transport)).toEqual(
      renewal === 'licence'
        ? ['1 setup ct-a', '1010 teardown L1']
        : ['1 setup ct-a', '1003 heartbeat S1', '1005 teardown S1'],
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 6003,
      kind: 'heartbeat',
      fatal: true,
      httpStatus: 403,
      serverCode: 1008,
      isStoppedRemotely: true,
      isSessionLimit: false,
    });
  });

  it('24. the device goes into every setup body, to the SSM of the source being set up only; no other request carries it', () => {
    let transport = limitServer(() => EMPTY);
    const renewals: string[] = [];
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold);
      const session = ssmSession(
        {
          source$: hot('-a 1499ms b', { a, b }),
          licence$: licenceAnswers(renewal, hot, '- 9ms l', {
            l: { src: 'a.mpd', sessionToken: 'L1' },
          }),
          stop$: hot('- 1999ms s'),
        },
        { transport, syncMode, device },
      );
      session.renewals$.subscribe((r) => renewals.push(r.authorization));
      expectObservable(labels(session.session$).pipe(concatMap(() => EMPTY)), '^ 2100ms !').toBe(
        '',
      );
    });
    const sent = transport.requests.map((r) => r.request);
    const setups = sent.filter((r) => r.call === 'setup');
    expect(setups.map((r) => r.url)).toEqual([
      SETUP_URL,
      'https://other-ssm.test/tenant/ssm/v1/sessions/setup',
    ]);
    for (const setup of setups) {
      expect(JSON.parse(setup.body)).toEqual({
        device: { id: 'tv-1', name: 'Living-room TV', type: 'tv' },
      });
    }
    const others = sent.filter((r) => r.call !== 'setup');
    expect(others.map((r) => r.call)).toEqual(
      renewal === 'licence' ? ['teardown', 'teardown'] : ['heartbeat', 'teardown', 'teardown'],
    );
    for (const other of others) {
      expect(JSON.stringify(other)).not.toContain('tv-1');
      expect(JSON.stringify(other)).not.toContain('Living-room');
    }
    expect(renewals.join()).not.toContain('tv-1');
  });

  it('24. a device that cannot be sent is a setup error, and nothing is sent', () => {
    let transport = limitServer(() => EMPTY);
    const errors: SsmError[] = [];
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold);
      const session = ssmSession(
        { source$: hot('-a', { a }), licence$: licenceAnswers(renewal, hot, '', {}) },
        { transport, syncMode, device: { id: 'tv\n1', name: 'x'.repeat(65) } },
      );
      session.errors$.subscribe((error) => errors.push(error));
      expectObservable(labels(session.session$), '^ 10ms !').toBe('iE', {
        i: 'idle',
        E: 'error a 6001',
      });
    });
    expect(transport.requests).toEqual([]);
    expect(errors[0]?.message).toMatch(/^device must be \{ id: 1 to 128 visible ASCII characters/);
  });
});

describe.each([
  ['async', false],
  ['sync', true],
])('stopped remotely (%s)', (_mode, syncMode) => {
  it('23. a Widevine renewal through SSM refused with 1008: the caller and the session get the 6003, the teardown goes out', () => {
    let transport = limitServer(() => EMPTY);
    const errors: SsmError[] = [];
    const caller: unknown[] = [];
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold, { stopAfter: 0 });
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms w', { w: { src: 'a.mpd', drmEnforced: true } }),
        },
        { transport, syncMode },
      );
      session.errors$.subscribe((error) => errors.push(error));
      hot('- 19ms c')
        .pipe(concatMap(() => session.renewWidevine(new Uint8Array([1, 2]))))
        .subscribe({ error: (error) => caller.push(error) });
      expectObservable(labels(session.session$), '^ 100ms !').toBe('is-A 6ms L 11ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        L: 'licence a S1',
        E: 'error a 6003',
      });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '20 renewal S1', '22 teardown S1']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 6003, fatal: true, isStoppedRemotely: true });
    expect(caller).toEqual([errors[0]]);
  });

  it('23. a licence answer refused with another code changes nothing: the renewal deadline decides, as before', () => {
    let transport = limitServer(() => EMPTY);
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms l 999ms r', {
            l: { src: 'a.mpd', sessionToken: 'L1' },
            r: { src: 'a.mpd', refused: { httpStatus: 401, serverCode: 1003 } },
          }),
        },
        { transport, syncMode, heartbeatRetries: 0 },
      );
      // No licence answer with a token within the period after the ask at 1003: 6003 at 2003.
      expectObservable(labels(session.session$), '^ 2100ms !').toBe('is-A 6ms L 1992ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        L: 'licence a L1',
        E: 'error a 6003',
      });
    });
  });

  it('23. a catch-up heartbeat after the background refused with 1008 is not re-established behind the viewer', () => {
    let transport = limitServer(() => EMPTY);
    testScheduler().run(({ cold, hot, expectObservable }) => {
      transport = limitServer(cold, { stopAfter: 0 });
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          appState$: hot('- 9ms b 2499ms f', { b: 'background', f: 'active' }),
        },
        { transport, syncMode, reestablishAfterBackground: true },
      );
      expectObservable(labels(session.session$), '^ 4000ms !').toBe('is-A 2508ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '2510 heartbeat S1',
      '2512 teardown S1',
    ]);
  });
});

describe.each([
  ['async', false],
  ['sync', true],
])('the at-the-limit flow on ssmModel from rx-ssm/testing (%s)', (_mode, syncMode) => {
  it('22/23. two pipelines at a limit of 1: the refused one stops the holder and plays; the holder ends stopped remotely; one session is left', () => {
    const model = ssmModel({ maxSessions: 1, latency: 2, heartbeatSeconds: 1 });
    const errors: SsmError[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const holder = ssmSession(
        { source$: hot('-a', { a }) },
        { transport: model.transport, syncMode, device: { id: 'tv-1', name: 'TV' } },
      );
      const refused = ssmSession(
        {
          source$: hot('- 9ms a', { a }),
          play$: hot('- 19ms x').pipe(
            concatMap(() => stopSession(a, 'sid-1', { transport: model.transport })),
          ),
        },
        { transport: model.transport, syncMode, device: { id: 'phone-1', name: 'Phone' } },
      );
      // Both pipelines end at 1100: a live session beats for ever.
      const end$ = hot('- 1100ms x');
      merge(refused.errors$, holder.errors$)
        .pipe(takeUntil(end$))
        .subscribe((error) => errors.push(error));
      expectObservable(labels(holder.session$), '^ 1100ms !').toBe('is-A 1001ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
      expectObservable(labels(refused.session$), '^ 1100ms !').toBe('i 9ms s-E 9ms s-A 1001ms B', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
        A: 'active a S2',
        B: 'active a S2.1',
      });
    });
    expect(errors.map((e) => [e.code, e.isSessionLimit, e.isStoppedRemotely])).toEqual([
      [6001, true, false],
      [6003, false, true],
    ]);
    expect(errors[0]?.heldBy).toEqual([
      {
        sessionId: 'sid-1',
        contentId: 'ct-a',
        device: { name: 'TV' },
        sameDevice: false,
        startedAt: new Date(1),
        renewedAt: new Date(1),
      },
    ]);
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '10 setup ct-a',
      '20 stop ct-a',
      '22 setup ct-a',
      '1003 heartbeat S1',
      '1005 teardown S1',
      '1024 heartbeat S2',
      '1101 teardown S2.1',
    ]);
    expect(model.liveSessions()).toBe(0);
  });
});
