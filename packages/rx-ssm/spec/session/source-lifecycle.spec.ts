import { map, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { labels, requestLog, ssmSource, testScheduler } from '../../../../spec/support/marbles.js';
import { type SsmRequest, type SsmResponse, ssmSession } from '../../src/index.js';
import { ok, refused, scriptedTransport } from '../../src/testing/index.js';

const a = ssmSource('a');
type Cold = (marble: string, values?: Record<string, SsmResponse>) => Observable<SsmResponse>;

/**
 * A scripted server with a 1 s period: setup grants `S1`, `S2`…; heartbeats with `S1` are
 * refused (it expired in the background) unless `heartbeat` says otherwise; teardown `{}`.
 */
function expiringServer(cold: Cold, heartbeat?: (req: SsmRequest) => Observable<SsmResponse>) {
  let sessions = 0;
  return scriptedTransport((req) => {
    if (req.call === 'setup') {
      sessions += 1;
      return cold('--r|', { r: ok({ sessionToken: `S${sessions}`, heartbeat: 1 }) });
    }
    if (req.call === 'heartbeat') {
      return heartbeat?.(req) ?? cold('--r|', { r: refused(401, 1003, 'session expired') });
    }
    return cold('--r|', { r: ok({}) });
  });
}

const unused = () =>
  scriptedTransport(() => {
    throw new Error('unused');
  });

describe.each([
  ['async', false],
  ['sync', true],
])('re-establishment after the background (%s)', (_mode, syncMode) => {
  it('heartbeat mode: the refused catch-up heartbeat is followed by one new setup, shown as re-setup, its error not fatal', () => {
    let transport = unused();
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = expiringServer(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          appState$: hot('- 99ms b 2899ms a', { a: 'active', b: 'background' }),
        },
        { transport, syncMode, reestablishAfterBackground: true },
      );
      expectObservable(labels(session.session$), '^ 3100ms !').toBe('is-A 2998ms r-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        r: 're-setup a',
        B: 'active a S2',
      });
      expectObservable(
        session.errors$.pipe(map((e) => `${e.code} ${e.fatal} ${e.serverCode}`)),
        '^ 3100ms !',
      ).toBe('- 3001ms e', { e: '6003 false 1003' });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '3000 heartbeat S1',
      '3002 setup ct-a',
      '3101 teardown S2',
    ]);
  });

  it('licence mode: no licence answer to the catch-up renewal is followed by a new setup', () => {
    let transport = unused();
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = expiringServer(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x', { x: { src: 'a.mpd', sessionToken: 'L1' } }),
          appState$: hot('- 99ms b 2899ms a', { a: 'active', b: 'background' }),
        },
        { transport, syncMode, reestablishAfterBackground: true, heartbeatRetries: 1 },
      );
      expectObservable(labels(session.session$), '^ 4100ms !').toBe('is-A------L 3989ms r-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        L: 'licence a L1',
        r: 're-setup a',
        B: 'active a S2',
      });
      expectObservable(session.renewals$.pipe(map((r) => r.sessionToken)), '^ 4100ms !').toBe(
        '- 2999ms x 499ms x',
        { x: 'L1' },
      );
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '4000 setup ct-a', '4101 teardown S2']);
  });

  it('a catch-up heartbeat that got no response (the network, not the session) is not re-established: 6003 as before', () => {
    let transport = unused();
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = expiringServer(cold, () => cold('--#'));
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          appState$: hot('- 99ms b 2899ms a', { a: 'active', b: 'background' }),
        },
        { transport, syncMode, reestablishAfterBackground: true, heartbeatRetries: 1 },
      );
      expectObservable(labels(session.session$), '^ 4100ms !').toBe('is-A 3500ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '3000 heartbeat S1',
      '3502 heartbeat S1',
    ]);
  });

  it('a heartbeat refused while in the foreground is not re-established: 6003 as before', () => {
    let transport = unused();
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = expiringServer(cold);
      const session = ssmSession(
        { source$: hot('-a', { a }) },
        { transport, syncMode, reestablishAfterBackground: true },
      );
      expectObservable(labels(session.session$), '^ 1100ms !').toBe('is-A 1001ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '1003 heartbeat S1']);
  });

  it('without the option, the refused catch-up heartbeat is the 6003 error state (rule 15)', () => {
    let transport = unused();
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = expiringServer(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          appState$: hot('- 99ms b 2899ms a', { a: 'active', b: 'background' }),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 3100ms !').toBe('is-A 2998ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '3000 heartbeat S1']);
  });
});

describe.each([
  ['async', false],
  ['sync', true],
])('a source$ that completes before the token came (%s)', (_mode, syncMode) => {
  it('waits, then ends in the token timeout’s 6001 as with a BehaviorSubject; session$ neither errors nor completes', () => {
    const transport = unused();
    testScheduler().run(({ cold, expectObservable }) => {
      const tokenless = ssmSource('a', { token: undefined });
      const session = ssmSession(
        { source$: cold('-(a|)', { a: tokenless }) },
        { transport, syncMode, tokenTimeoutMs: 300 },
      );
      expectObservable(labels(session.session$), '^ 1000ms !').toBe('iw 299ms e', {
        i: 'idle',
        w: 'wait a',
        e: 'error a 6001',
      });
      expectObservable(
        session.errors$.pipe(map((e) => `${e.code} ${e.fatal} ${e.message}`)),
        '^ 1000ms !',
      ).toBe('- 300ms e', { e: '6001 true no content token for "a.mpd" within 300 ms' });
    });
    expect(transport.requests).toEqual([]);
  });

  it('a token in the last emission before completing still sets up', () => {
    let transport = unused();
    testScheduler().run(({ cold, expectObservable }) => {
      transport = scriptedTransport((req) =>
        cold('--r|', {
          r: req.call === 'setup' ? ok({ sessionToken: 'S1', heartbeat: 1 }) : ok({}),
        }),
      );
      const session = ssmSession(
        {
          source$: cold('-a-(b|)', { a: ssmSource('a', { token: undefined }), b: ssmSource('a') }),
        },
        { transport, syncMode, tokenTimeoutMs: 300 },
      );
      expectObservable(labels(session.session$), '^ 100ms !').toBe('iw-s-A', {
        i: 'idle',
        w: 'wait a',
        s: 'setup a',
        A: 'active a S1',
      });
    });
    expect(requestLog(transport)).toEqual(['3 setup ct-a', '101 teardown S1']);
  });
});
