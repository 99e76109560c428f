import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type SsmSource, ssmSession } from '../src/index.js';
import { ok, refused, scriptedTransport, ssmModel } from '../src/testing/index.js';
import {
  HEARTBEAT_URL,
  labels,
  requestLog,
  SETUP_URL,
  ssmSource,
  TEARDOWN_URL,
  testScheduler,
} from './support/marbles.js';

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
