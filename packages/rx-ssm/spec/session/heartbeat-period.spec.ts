import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { labels, requestLog, ssmSource, testScheduler } from '../../../../spec/support/marbles.js';
import { ssmSession } from '../../src/index.js';
import { ok, scriptedTransport } from '../../src/testing/index.js';

const a = ssmSource('a');

/** Setup grants `S1` with the period `heartbeat`; heartbeats rotate to `H1`… and may change it. */
function server(
  cold: Parameters<Parameters<ReturnType<typeof testScheduler>['run']>[0]>[0]['cold'],
  heartbeat: number,
  nextHeartbeat?: number,
) {
  let renewals = 0;
  return scriptedTransport((req) => {
    if (req.call === 'setup') return cold('--r|', { r: ok({ sessionToken: 'S1', heartbeat }) });
    if (req.call === 'heartbeat') {
      renewals += 1;
      return cold('--r|', {
        r: ok({ sessionToken: `H${renewals}`, ...(nextHeartbeat && { heartbeat: nextHeartbeat }) }),
      });
    }
    return cold('--r|', { r: ok({}) });
  });
}

describe('a hostile heartbeat period never makes the client hammer the server', () => {
  it.each([1e7, 1e308])(
    'a period of %d s is clamped to 86 400 s and reported once, not an error',
    (period) => {
      let transport = scriptedTransport(() => {
        throw new Error('unused');
      });
      testScheduler().run(({ hot, cold, expectObservable }) => {
        transport = server(cold, period);
        const session = ssmSession({ source$: hot('-a', { a }) }, { transport });
        expectObservable(
          session.session$.pipe(
            map((s) => (s.status === 'active' ? s.heartbeatSeconds : s.status)),
          ),
          '^ 10s !',
        ).toBe('ab-c', { a: 'idle', b: 'setting-up', c: 86_400 });
        expectObservable(
          session.diagnostics$.pipe(
            map((d) =>
              d.kind === 'heartbeat-clamped'
                ? `${d.kind} ${d.requestedSeconds} ${d.usedSeconds}`
                : d.kind,
            ),
          ),
          '^ 10s !',
        ).toBe('---d', { d: `heartbeat-clamped ${period} 86400` });
        expectObservable(session.errors$, '^ 10s !').toBe('');
      });
      // Before the clamp, the timer overflowed to 1 ms: about 1,000 heartbeats a second.
      expect(requestLog(transport)).toEqual(['1 setup ct-a', '10001 teardown S1']);
    },
  );

  it('a period of 1e-4 s is clamped to minHeartbeatSeconds (default 1 s)', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = server(cold, 1e-4);
      const session = ssmSession({ source$: hot('-a', { a }) }, { transport });
      expectObservable(labels(session.session$), '^ 2100ms !').toBe('is-A 1001ms B 999ms C', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a H1',
        C: 'active a H2',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '2003 heartbeat H1',
      '2101 teardown H2',
    ]);
  });

  it('a heartbeat answer that switches to a hostile period is clamped too; the lower bound is an option', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = server(cold, 0.5, 1e-6);
      const session = ssmSession(
        { source$: hot('-a', { a }) },
        { transport, minHeartbeatSeconds: 0.25 },
      );
      expectObservable(
        session.diagnostics$.pipe(
          map((d) =>
            d.kind === 'heartbeat-clamped' ? `${d.requestedSeconds}>${d.usedSeconds}` : d.kind,
          ),
        ),
        '^ 1100ms !',
      ).toBe('- 504ms a 249ms a 249ms a', { a: '0.000001>0.25' });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '503 heartbeat S1',
      '753 heartbeat H1',
      '1003 heartbeat H2',
      '1101 teardown H3',
    ]);
  });
});

describe('a setup answer whose period is not a positive number is refused, not clamped (README, "Options")', () => {
  it.each([
    ['0', 0],
    ['-1', -1],
    ['the string "5"', '5'],
    ['null', null],
    ['missing', undefined],
  ])(
    'heartbeat %s: 6001 naming the period, and the session it named is torn down at once',
    (_name, heartbeat) => {
      let transport = scriptedTransport(() => {
        throw new Error('unused');
      });
      testScheduler().run(({ hot, cold, expectObservable }) => {
        transport = scriptedTransport((req) =>
          cold('--r|', {
            r: req.call === 'setup' ? ok({ sessionToken: 'S1', heartbeat }) : ok({}),
          }),
        );
        const session = ssmSession({ source$: hot('-a', { a }) }, { transport });
        expectObservable(labels(session.session$), '^ 10s !').toBe('is---e', {
          i: 'idle',
          s: 'setup a',
          e: 'error a 6001',
        });
        // The error comes once the orphan's teardown is answered: nothing is left on the server.
        expectObservable(session.errors$.pipe(map((e) => e.message)), '^ 10s !').toBe('-----m', {
          m: expect.stringContaining(`but with heartbeat ${JSON.stringify(heartbeat)}`),
        });
      });
      expect(requestLog(transport)).toEqual(['1 setup ct-a', '3 teardown S1']);
    },
  );
});
