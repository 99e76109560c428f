import { EMPTY, map, NEVER, type Observable, takeUntil } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_URL,
  labels,
  requestLog,
  SETUP_URL,
  ssmSource,
  TEARDOWN_URL,
  testScheduler,
} from '../../../../spec/support/marbles.js';
import { type SsmRequest, type SsmResponse, type SsmSource, ssmSession } from '../../src/index.js';
import { ok, refused, scriptedTransport, ssmModel } from '../../src/testing/index.js';

const a = ssmSource('a');
const b = ssmSource('b');
const c = ssmSource('c');
/** Long enough for each case, and the end of it: live sessions beat forever. */
const UNTIL = '^ 400ms !';
const plain: SsmSource = { src: 'plain.mpd', token: 'ct-plain' };

describe('ssmSession lifecycle', () => {
  it('1. two subscribers share one setup; a late subscriber gets the current state first', () => {
    const model = ssmModel({ latency: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a', { a }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), '^------!').toBe('is-A', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
      });
      expectObservable(labels(session$), '-----^-!').toBe('-----A', { A: 'active a S1' });
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a', '7 teardown S1']);
  });

  it('1. the last unsubscribe sends the teardown', () => {
    const model = ssmModel({ latency: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a', { a }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), '^---!').toBe('is-A', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
      });
      expectObservable(errors$, '^-----!').toBe('');
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a', '6 teardown S1']);
    expect(model.liveSessions()).toBe(0);
  });

  it('2. idle before any source, for null and for a source without ssmServerUrl; no request', () => {
    const transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, authorization$ } = ssmSession(
        { source$: hot('-n-p-n', { n: null, p: plain }) },
        { transport },
      );
      expectObservable(labels(session$)).toBe('i', { i: 'idle' });
      expectObservable(authorization$).toBe('n', { n: null });
    });
    expect(transport.requests).toEqual([]);
  });

  it('3. a source with a token: setting-up, then active, with the exact setup request', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 5 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, authorization$ } = ssmSession(
        { source$: hot('-a', { a }) },
        { transport: model.transport },
      );
      expectObservable(session$, '^---!').toBe('is-A', {
        i: { status: 'idle' },
        s: { status: 'setting-up', source: a },
        A: {
          status: 'active',
          source: a,
          sessionToken: 'S1',
          heartbeatSeconds: 5,
          authorization: 'ct-a,S1',
          renewal: 'heartbeat',
        },
      });
      expectObservable(authorization$, '^---!').toBe('n--x', { n: null, x: 'ct-a,S1' });
    });
    expect(model.transport.requests[0]?.request).toEqual({
      call: 'setup',
      url: SETUP_URL,
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json; charset=utf-8',
        'nv-authorizations': 'ct-a',
      },
      body: '{}',
    });
  });

  it('3. a token arriving late starts the setup', () => {
    const model = ssmModel({ latency: 2 });
    const early = { ...a, token: undefined };
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-e--a', { e: early, a }) },
        { transport: model.transport, tokenTimeoutMs: 100 },
      );
      expectObservable(labels(session$), UNTIL).toBe('iw--s-A', {
        i: 'idle',
        w: 'wait a',
        s: 'setup a',
        A: 'active a S1',
      });
    });
    expect(requestLog(model.transport)).toEqual(['4 setup ct-a', '401 teardown S1']);
  });

  it('3. no token within tokenTimeoutMs is a setup error; a token that still comes starts the setup', () => {
    const model = ssmModel({ latency: 2 });
    const early = { ...a, token: undefined };
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        { source$: hot('-e 200ms a', { e: early, a }) },
        { transport: model.transport, tokenTimeoutMs: 100 },
      );
      expectObservable(labels(session$), UNTIL).toBe('iw 99ms E 100ms s-A', {
        i: 'idle',
        w: 'wait a',
        E: 'error a 6001',
        s: 'setup a',
        A: 'active a S1',
      });
      expectObservable(errors$, UNTIL).toBe('-- 99ms e', {
        e: expect.objectContaining({ code: 6001, kind: 'setup', fatal: true }),
      });
    });
    expect(requestLog(model.transport)).toEqual(['202 setup ct-a', '401 teardown S1']);
  });

  it('4. re-emitting the current source starts nothing new', () => {
    const model = ssmModel({ latency: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a-a--a', { a }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-A', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
      });
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a', '401 teardown S1']);
  });

  it('5. a new src is a zap: the old session is torn down, the new one set up', () => {
    const model = ssmModel({ latency: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a---b', { a, b }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-A-t-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        B: 'active b S2',
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '5 teardown S1',
      '5 setup ct-b',
      '401 teardown S2',
    ]);
    expect(model.transport.requests[1]?.url).toBe(TEARDOWN_URL);
  });

  it('6. stop tears down and goes idle; play sets up a fresh session; play while live does nothing', () => {
    const model = ssmModel({ latency: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        {
          source$: hot('-a', { a }),
          play$: hot('---p---------p'),
          stop$: hot('------s'),
        },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-A--d-i----s-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        d: 'down a',
        B: 'active a S2',
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '6 teardown S1',
      '13 setup ct-a',
      '401 teardown S2',
    ]);
  });

  it('5. a new source ends a stop', () => {
    const model = ssmModel({ latency: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a------b', { a, b }), stop$: hot('----s') },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-Ad-i-t-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        d: 'down a',
        t: 'setup b',
        B: 'active b S2',
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '4 teardown S1',
      '8 setup ct-b',
      '401 teardown S2',
    ]);
  });

  it('7. a setup failure is an error state and on errors$, never an error of session$; play retries', () => {
    const model = ssmModel({ latency: 2 });
    model.failNext('setup', refused(500, undefined, 'boom'));
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a', { a }), play$: hot('-------p') },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-E---s-A', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
        A: 'active a S1',
      });
      expectObservable(errors$, UNTIL).toBe('---e', {
        e: expect.objectContaining({ code: 6001, httpStatus: 500, fatal: true }),
      });
    });
  });

  it('7. after an error, a zap works as usual', () => {
    const model = ssmModel({ latency: 2 });
    model.failNext('setup', 'no-response');
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a----b', { a, b }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-E--t-B', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
        t: 'setup b',
        B: 'active b S1',
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '6 setup ct-b',
      '401 teardown S1',
    ]);
  });
});

describe('heartbeat', () => {
  it('8. a heartbeat every period; the rotated token is used by the next heartbeat, the teardown and authorization$', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, authorization$ } = ssmSession(
        { source$: hot('-a', { a }), stop$: hot('- 2100ms s') },
        { transport: model.transport },
      );
      expectObservable(labels(session$), '^ 2200ms !').toBe('is-A 1001ms B 999ms C 95ms d-i', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a S1.1',
        C: 'active a S1.2',
        d: 'down a',
      });
      expectObservable(authorization$, '^ 2200ms !').toBe('n--x 1001ms y 999ms z 95ms n', {
        n: null,
        x: 'ct-a,S1',
        y: 'ct-a,S1.1',
        z: 'ct-a,S1.2',
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '2003 heartbeat S1.1',
      '2101 teardown S1.2',
    ]);
    expect(model.transport.requests[1]?.url).toBe(HEARTBEAT_URL);
    expect(model.liveSessions()).toBe(0);
  });
});

type Cold = (marble: string, values?: Record<string, SsmResponse>) => Observable<SsmResponse>;

/**
 * A scripted server: setup grants `S1`, `S2`… with `period` seconds; heartbeats rotate to
 * `H1`, `H2`…; teardown answers `{}`. Each call answers after its marble.
 */
function scripted(
  cold: Cold,
  timing: { setup?: string; heartbeat?: string; teardown?: string; period?: number } = {},
  override: (req: SsmRequest) => Observable<SsmResponse> | undefined = () => undefined,
) {
  let sessions = 0;
  let renewals = 0;
  return scriptedTransport((req) => {
    const scriptedAnswer = override(req);
    if (scriptedAnswer) return scriptedAnswer;
    switch (req.call) {
      case 'setup':
        sessions += 1;
        return cold(timing.setup ?? '--r|', {
          r: ok({ sessionToken: `S${sessions}`, heartbeat: timing.period ?? 1 }),
        });
      case 'heartbeat':
        renewals += 1;
        return cold(timing.heartbeat ?? '--r|', { r: ok({ sessionToken: `H${renewals}` }) });
      default:
        return cold(timing.teardown ?? '--r|', { r: ok({}) });
    }
  });
}

describe('heartbeat: one in flight, retries, fatal errors', () => {
  it('9. async: a tick while a heartbeat is pending is skipped; the teardown waits for it and uses its token', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, { heartbeat: '1500ms r|' });
      const { session$ } = ssmSession({ source$: hot('-a', { a }) }, { transport });
      expectObservable(labels(session$), '^ 3099ms !').toBe('is-A 2499ms B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a H1',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '3003 heartbeat H1',
      '4503 teardown H2',
    ]);
  });

  it('9. sync: a tick while a heartbeat is pending waits for it', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, { heartbeat: '1500ms r|' });
      const { session$ } = ssmSession({ source$: hot('-a', { a }) }, { transport, syncMode: true });
      expectObservable(labels(session$), '^ 3099ms !').toBe('is-A 2499ms B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a H1',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '2503 heartbeat H1',
      '4003 teardown H2',
    ]);
  });

  it('10. no response or a 5xx is retried within the period; success carries on', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      let failures = 0;
      transport = scripted(cold, { period: 3 }, (req) => {
        if (req.call !== 'heartbeat' || failures >= 2) return undefined;
        failures += 1;
        return failures === 1 ? cold('--#') : cold('--r|', { r: refused(503) });
      });
      const { session$, errors$ } = ssmSession({ source$: hot('-a', { a }) }, { transport });
      expectObservable(labels(session$), '^ 5100ms !').toBe('is-A 5005ms B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a H1',
      });
      expectObservable(errors$, '^ 5100ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '3003 heartbeat S1',
      '4005 heartbeat S1',
      '5007 heartbeat S1',
      '5101 teardown H1',
    ]);
  });

  it('10. running out of retries is fatal: 6003, and no further request for that session', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, { period: 3 }, (req) =>
        req.call === 'heartbeat' ? cold('--r|', { r: refused(502) }) : undefined,
      );
      const { session$, errors$ } = ssmSession({ source$: hot('-a', { a }) }, { transport });
      expectObservable(labels(session$), '^ 9000ms !').toBe('is-A 5005ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
      expectObservable(errors$, '^ 9000ms !').toBe('- 5008ms e', {
        e: expect.objectContaining({ code: 6003, kind: 'heartbeat', fatal: true, httpStatus: 502 }),
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '3003 heartbeat S1',
      '4005 heartbeat S1',
      '5007 heartbeat S1',
    ]);
  });

  it('10. a heartbeat 4xx is fatal at once: 6003 with the server code, no retry, no teardown', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, {}, (req) =>
        req.call === 'heartbeat' ? cold('--r|', { r: refused(401, 1003, 'rotated') }) : undefined,
      );
      const { session$, errors$ } = ssmSession({ source$: hot('-a', { a }) }, { transport });
      expectObservable(labels(session$), '^ 3000ms !').toBe('is-A 1001ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
      expectObservable(errors$, '^ 3000ms !').toBe('- 1004ms e', {
        e: expect.objectContaining({ code: 6003, httpStatus: 401, serverCode: 1003 }),
      });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '1003 heartbeat S1']);
  });

  it('8. a heartbeat response that carries heartbeat changes the period from then on', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, {}, (req) =>
        req.call === 'heartbeat'
          ? cold('--r|', { r: ok({ sessionToken: 'H', heartbeat: 2 }) })
          : undefined,
      );
      const { session$ } = ssmSession({ source$: hot('-a', { a }) }, { transport });
      expectObservable(
        session$.pipe(map((s) => (s.status === 'active' ? s.heartbeatSeconds : s.status))),
        '^ 3100ms !',
      ).toBe('is-A 1001ms B 1999ms B', { i: 'idle', s: 'setting-up', A: 1, B: 2 });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '3003 heartbeat H',
      '3101 teardown H',
    ]);
  });
});

describe('sync and async zaps', () => {
  it('11. async: a zap sends the old teardown without waiting and the new setup at once', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, { teardown: '50ms r|' });
      const { session$ } = ssmSession({ source$: hot('-a---b', { a, b }) }, { transport });
      expectObservable(labels(session$), '^ 100ms !').toBe('is-A-t-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        B: 'active b S2',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '5 teardown S1',
      '5 setup ct-b',
      '101 teardown S2',
    ]);
  });

  it('12. sync: the new setup starts only after the old teardown is answered', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, { teardown: '50ms r|' });
      const { session$ } = ssmSession(
        { source$: hot('-a---b', { a, b }) },
        { transport, syncMode: true },
      );
      expectObservable(labels(session$), '^ 100ms !').toBe('is-A-t 51ms B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        B: 'active b S2',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '5 teardown S1',
      '55 setup ct-b',
      '101 teardown S2',
    ]);
  });

  it('12. sync: rapid zaps A→B→C during A’s setup collapse to C; B sends nothing', () => {
    const model = ssmModel({ latency: 10, maxSessions: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a-b-c', { a, b, c }) },
        { transport: model.transport, syncMode: true },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-t-u 25ms C', {
        i: 'idle',
        s: 'setup a',
        t: 'setup b',
        u: 'setup c',
        C: 'active c S2',
      });
      expectObservable(errors$, UNTIL).toBe('');
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '11 teardown S1',
      '21 setup ct-c',
      '401 teardown S2',
    ]);
    expect(model.liveSessions()).toBe(0);
    expect(model.peakSessions()).toBe(1);
  });

  it('12/13/14. async: rapid zaps A→B→C during A’s setup; superseded setups are torn down when answered, never shown active; C retried once past the limit', () => {
    const model = ssmModel({ latency: 10, maxSessions: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a-b-c', { a, b, c }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-t-u 27ms C', {
        i: 'idle',
        s: 'setup a',
        t: 'setup b',
        u: 'setup c',
        C: 'active c S3',
      });
      expectObservable(errors$, UNTIL).toBe('');
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '3 setup ct-b',
      '5 setup ct-c', // refused: 1007, the account holds S1 and S2
      '11 teardown S1', // A's setup answered: torn down at once
      '13 teardown S2',
      '23 setup ct-c', // right after the last earlier teardown was answered
      '401 teardown S3',
    ]);
    expect(model.liveSessions()).toBe(0);
  });

  it('13. a stop during setup: the session is torn down when the setup is answered; the server holds none', () => {
    const model = ssmModel({ latency: 10 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a', { a }), stop$: hot('---s') },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-d 17ms i', {
        i: 'idle',
        s: 'setup a',
        d: 'down a',
      });
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a', '11 teardown S1']);
    expect(model.liveSessions()).toBe(0);
  });

  it('14. limit-aware zap: refused with 1007 while the old teardown is in flight, retried once right after it; no error', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      let setups = 0;
      transport = scripted(cold, { teardown: '20ms r|' }, (req) => {
        if (req.call !== 'setup') return undefined;
        setups += 1;
        return setups === 2 ? cold('----r|', { r: refused(403, 1007, 'limit') }) : undefined;
      });
      const { session$, errors$ } = ssmSession({ source$: hot('-a---b', { a, b }) }, { transport });
      expectObservable(labels(session$), '^ 100ms !').toBe('is-A-t 21ms B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        B: 'active b S2',
      });
      expectObservable(errors$, '^ 100ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '5 teardown S1',
      '5 setup ct-b',
      '25 setup ct-b',
      '101 teardown S2',
    ]);
  });

  it('14. a second refusal is reported: 6001, isSessionLimit, HTTP 403', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      let setups = 0;
      transport = scripted(cold, { teardown: '20ms r|' }, (req) => {
        if (req.call !== 'setup') return undefined;
        setups += 1;
        return setups >= 2 ? cold('----r|', { r: refused(403, 1007, 'limit') }) : undefined;
      });
      const { session$, errors$ } = ssmSession({ source$: hot('-a---b', { a, b }) }, { transport });
      expectObservable(labels(session$), '^ 100ms !').toBe('is-A-t 23ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        E: 'error b 6001',
      });
      expectObservable(errors$, '^ 100ms !').toBe('- 28ms e', {
        e: expect.objectContaining({
          code: 6001,
          isSessionLimit: true,
          httpStatus: 403,
          serverCode: 1007,
          serverMessage: 'limit',
        }),
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '5 teardown S1',
      '5 setup ct-b',
      '25 setup ct-b',
    ]);
  });

  it('14. a real limit (another device holds the slot, no teardown in flight) is reported at once', () => {
    const model = ssmModel({ latency: 2, maxSessions: 0 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a', { a }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-E', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
      });
      expectObservable(errors$, UNTIL).toBe('---e', {
        e: expect.objectContaining({ code: 6001, isSessionLimit: true, httpStatus: 403 }),
      });
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a']);
  });
});

describe('app state', () => {
  it('15. no heartbeat in background; back after one came due: sent at once and the period restarts from it', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        {
          source$: hot('-a', { a }),
          appState$: hot('- 500ms b 1000ms f', { b: 'background', f: 'active' }),
        },
        { transport: model.transport },
      );
      expectObservable(labels(session$), '^ 2600ms !').toBe('is-A 1500ms B 999ms C', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a S1.1',
        C: 'active a S1.2',
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '1502 heartbeat S1',
      '2502 heartbeat S1.1',
      '2601 teardown S1.2',
    ]);
  });

  it('15. back before the next one came due: the next heartbeat comes when it was due; pip runs as normal', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        {
          source$: hot('-a', { a }),
          appState$: hot('- 200ms b 300ms p', { b: 'background', p: 'pip' }),
        },
        { transport: model.transport },
      );
      expectObservable(labels(session$), '^ 2100ms !').toBe('is-A 1001ms B 999ms C', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a S1.1',
        C: 'active a S1.2',
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '2003 heartbeat S1.1',
      '2101 teardown S1.2',
    ]);
  });

  it('15. a failed catch-up heartbeat is the 6003 that tells the app to zap again', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        {
          source$: hot('-a', { a }),
          appState$: hot('- 10ms b 5000ms f', { b: 'background', f: 'active' }),
        },
        { transport: model.transport },
      );
      // Two periods without renewal: the model expired the session meanwhile.
      expectObservable(labels(session$), '^ 5100ms !').toBe('is-A 5010ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a', '5012 heartbeat S1']);
  });
});

describe('teardown errors', () => {
  it('16. a failed teardown is a non-fatal 6002 and leaves the next session alone', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, {}, (req) =>
        req.call === 'teardown' && req.headers['nv-authorizations'] === 'S1'
          ? cold('--r|', { r: refused(500, undefined, 'down') })
          : undefined,
      );
      const { session$, errors$ } = ssmSession({ source$: hot('-a---b', { a, b }) }, { transport });
      expectObservable(labels(session$), '^ 100ms !').toBe('is-A-t-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        B: 'active b S2',
      });
      expectObservable(errors$, '^ 100ms !').toBe('-------e', {
        e: expect.objectContaining({ code: 6002, kind: 'teardown', fatal: false, httpStatus: 500 }),
      });
    });
  });
});

describe('bad input', () => {
  it('a source that cannot be sent is a clear setup error, with no request', () => {
    const transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, expectObservable }) => {
      const bad = { ...a, ssmServerUrl: 'ftp://nope' };
      const header = { ...b, tokenHeader: 'bad header\r\n' };
      const { session$, errors$ } = ssmSession(
        { source$: hot('-x-y', { x: bad, y: header }) },
        { transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('ix-y', {
        i: 'idle',
        x: 'error a 6001',
        y: 'error b 6001',
      });
      expectObservable(errors$.pipe(map((e) => e.message)), UNTIL).toBe('-x-y', {
        x: 'ssmServerUrl "ftp://nope" is not an http(s) URL',
        y: 'tokenHeader "bad header\r\n" is not a valid header name',
      });
    });
    expect(transport.requests).toEqual([]);
  });

  it('a transport that throws or returns nothing is a setup error, not a crash', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a---b', { a, b }) },
        {
          transport: (req) => {
            if (req.headers['nv-authorizations'] === 'ct-a') throw new TypeError('boom');
            return {} as never;
          },
        },
      );
      expectObservable(labels(session$), UNTIL).toBe('i(sE)(tF)', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
        t: 'setup b',
        F: 'error b 6001',
      });
      expectObservable(errors$.pipe(map((e) => e.message)), UNTIL).toBe('-x---y', {
        x: `SSM setup got no response: boom (${SETUP_URL})`,
        y: expect.stringContaining('SSM setup got no response'),
      });
    });
  });
});

describe('edges', () => {
  it('5. a zap to a source without SSM tears the session down and goes idle', () => {
    const model = ssmModel({ latency: 2 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a---p', { a, p: plain }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), UNTIL).toBe('is-A-d-i', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        d: 'down a',
      });
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a', '5 teardown S1']);
  });

  it('14. a stop while a refused setup waits for the old teardown: no retry is sent', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      let setups = 0;
      transport = scripted(cold, { teardown: '20ms r|' }, (req) => {
        if (req.call !== 'setup') return undefined;
        setups += 1;
        return setups === 2 ? cold('----r|', { r: refused(403, 1007, 'limit') }) : undefined;
      });
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a---b', { a, b }), stop$: hot('- 11ms s') },
        { transport },
      );
      // b's teardown waits for b's setup, which waits for a's teardown: both end at 25.
      expectObservable(labels(session$), '^ 100ms !').toBe('is-A-t 6ms d 12ms i', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        d: 'down b',
      });
      expectObservable(errors$, '^ 100ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '5 teardown S1', '5 setup ct-b']);
  });

  it('a transport that completes without a response is a setup error', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const { errors$ } = ssmSession({ source$: hot('-a', { a }) }, { transport: () => EMPTY });
      expectObservable(errors$.pipe(map((e) => e.message)), UNTIL).toBe('-e', {
        e: `SSM setup got no response: the transport completed without a response (${SETUP_URL})`,
      });
    });
  });
});

/**
 * A zap while the old session's heartbeat is in flight: the teardown waits for that heartbeat's
 * answer, which decides whether the server still holds the session and with which token.
 */
describe.each([
  ['async', false],
  ['sync', true],
])('the answer of a heartbeat in flight at a zap (%s)', (_mode, syncMode) => {
  /**
   * Setup of `a` at 1, its heartbeat at 1003 answered at 1503 with `answer`, a zap to `b` at 1200:
   * the requests sent (the last, `b`'s teardown when the test unsubscribes at 1601), and `b`
   * active by 1600 with no error on the way.
   */
  function zapDuringHeartbeat(answer: SsmResponse | 'no response') {
    let transport = scriptedTransport(() => NEVER);
    const states: string[] = [];
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, {}, (req) =>
        req.call === 'heartbeat' && req.headers['nv-authorizations'] === 'S1'
          ? answer === 'no response'
            ? cold('500ms #')
            : cold('500ms r|', { r: answer })
          : undefined,
      );
      const { session$, errors$ } = ssmSession(
        { source$: hot('-a 1198ms b', { a, b }) },
        { transport, syncMode },
      );
      // The failure of a heartbeat of a session already left is nobody's error.
      expectObservable(errors$, '^ 1600ms !').toBe('');
      labels(session$)
        .pipe(takeUntil(cold('1600ms x')))
        .subscribe((label) => states.push(`${label}`));
    });
    expect(states.at(-1)).toBe('active b S2');
    expect(states.filter((label) => label.startsWith('error'))).toEqual([]);
    return requestLog(transport);
  }

  /**
   * The requests when the old session's teardown goes out with `token` once the heartbeat is
   * answered (none: no teardown): async sets `b` up at the zap, sync after that teardown.
   */
  const expected = (token?: string) => {
    const teardown = token ? [`1503 teardown ${token}`] : [];
    return syncMode
      ? ['1 setup ct-a', '1003 heartbeat S1', ...teardown, `${token ? 1505 : 1503} setup ct-b`]
      : ['1 setup ct-a', '1003 heartbeat S1', '1200 setup ct-b', ...teardown];
  };

  it.each<[string, SsmResponse | 'no response']>([
    ['a 5xx (the server may still hold the session)', refused(503, 1005)],
    ['no response at all (the same)', 'no response'],
    ['a stop from another device (403/1008: best effort)', refused(403, 1008)],
  ])('%s: the teardown goes out with the token the heartbeat sent', (_case, answer) => {
    expect(zapDuringHeartbeat(answer)).toEqual([...expected('S1'), '1601 teardown S2']);
  });

  it('a refusal (401/1003): the server holds no such session, so no teardown is sent', () => {
    expect(zapDuringHeartbeat(refused(401, 1003))).toEqual([...expected(), '1601 teardown S2']);
  });

  it('a success: the teardown uses the token it brought', () => {
    expect(zapDuringHeartbeat(ok({ sessionToken: 'H9' }))).toEqual([
      ...expected('H9'),
      '1601 teardown S2',
    ]);
  });
});
