import { map, mergeMap, NEVER, type Observable, switchMap, takeUntil } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  label,
  labels,
  requestLog,
  SSM_URL,
  ssmSource,
  testScheduler,
} from '../../../../spec/support/marbles.js';
import {
  type LicenceAnswer,
  type SsmRequest,
  type SsmResponse,
  ssmSession,
} from '../../src/index.js';
import { ok, refused, scriptedTransport } from '../../src/testing/index.js';

const a = ssmSource('a');
const b = ssmSource('b');

type Cold = (marble: string, values?: Record<string, SsmResponse>) => Observable<SsmResponse>;

const licence = (src: string, sessionToken?: string, extra: Partial<LicenceAnswer> = {}) => ({
  src,
  ...(sessionToken !== undefined && { sessionToken }),
  ...extra,
});

/** base64 of the licence bytes a scripted Widevine renewal answers: `lic-W1`, `lic-W2`… */
const licenceBytes = (name: string) => new TextEncoder().encode(`lic-${name}`);
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * A scripted server with a 1 s period: setup grants `S1`, `S2`…; heartbeats rotate to `H1`…;
 * Widevine renewals to `W1`… with the licence `lic-W1`…; teardown answers `{}`. Each call
 * answers after its marble (default 2 frames).
 */
function scripted(
  cold: Cold,
  override: (req: SsmRequest) => Observable<SsmResponse> | undefined = () => undefined,
  timing: { renewal?: string } = {},
) {
  let sessions = 0;
  let heartbeats = 0;
  let widevine = 0;
  return scriptedTransport((req) => {
    const scriptedAnswer = override(req);
    if (scriptedAnswer) return scriptedAnswer;
    switch (req.call) {
      case 'setup':
        sessions += 1;
        return cold('--r|', { r: ok({ sessionToken: `S${sessions}`, heartbeat: 1 }) });
      case 'heartbeat':
        heartbeats += 1;
        return cold('--r|', { r: ok({ sessionToken: `H${heartbeats}` }) });
      case 'renewal': {
        widevine += 1;
        const token = `W${widevine}`;
        return cold(timing.renewal ?? '--r|', {
          r: ok({ sessionToken: token, license: base64(licenceBytes(token)) }),
        });
      }
      default:
        return cold('--r|', { r: ok({}) });
    }
  });
}

describe.each([
  ['async', false],
  ['sync', true],
])('licence mode (%s)', (_mode, syncMode) => {
  it('17/18/20. the first licence answer with a token switches the session: no heartbeat call from then on, renewals$ every period, the teardown uses the newest licence token', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x 1039ms y 969ms z', {
            x: licence('a.mpd', 'L1', { keySystem: 'org.w3.clearkey' }),
            y: licence('a.mpd', 'L2'),
            z: licence('a.mpd', 'L3'),
          }),
          stop$: hot('- 2499ms s'),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 2600ms !').toBe(
        'is-A------x 1039ms y 969ms z 479ms d-i',
        {
          i: 'idle',
          s: 'setup a',
          A: 'active a S1',
          x: 'licence a L1',
          y: 'licence a L2',
          z: 'licence a L3',
          d: 'down a',
        },
      );
      expectObservable(
        session.renewals$.pipe(map((r) => `${r.source.src} ${r.sessionToken} ${r.authorization}`)),
        '^ 2600ms !',
      ).toBe('- 1002ms x 999ms y', { x: 'a.mpd L1 ct-a,L1', y: 'a.mpd L2 ct-a,L2' });
      expectObservable(session.errors$, '^ 2600ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '2500 teardown L3']);
  });

  it('17. an answer with no token and no drmEnforced keeps heartbeat mode; answers for another src change nothing', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const { session$ } = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x 9ms y 9ms z', {
            x: licence('a.mpd'),
            y: licence('b.mpd', 'X1'),
            z: licence('b.mpd', undefined, { drmEnforced: true }),
          }),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session$), '^ 1100ms !').toBe('is-A 1001ms B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a H1',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '1101 teardown H1',
    ]);
  });

  it('17. a late licence answer: after heartbeats ran, it switches the session then; the next tick asks the player instead', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 1499ms x 599ms y', {
            x: licence('a.mpd', 'L1'),
            y: licence('a.mpd', 'L2'),
          }),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 2200ms !').toBe(
        'is-A 1001ms B 494ms x 599ms y',
        {
          i: 'idle',
          s: 'setup a',
          A: 'active a S1',
          B: 'active a H1',
          x: 'licence a L1',
          y: 'licence a L2',
        },
      );
      expectObservable(session.renewals$.pipe(map((r) => r.sessionToken)), '^ 2200ms !').toBe(
        '- 2002ms x',
        { x: 'L1' },
      );
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '2201 teardown L2',
    ]);
  });

  it('17. a licence answer for a source that is no longer current is ignored', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const { session$ } = ssmSession(
        {
          source$: hot('-a 98ms b', { a, b }),
          licence$: hot('- 119ms x', { x: licence('a.mpd', 'La') }),
        },
        { transport, syncMode },
      );
      const zap = syncMode ? 'is-A 96ms S---B' : 'is-A 96ms S-B';
      expectObservable(labels(session$), '^ 600ms !').toBe(zap, {
        i: 'idle',
        s: 'setup a',
        S: 'setup b',
        A: 'active a S1',
        B: 'active b S2',
      });
    });
    expect(requestLog(transport)).toEqual(
      syncMode
        ? ['1 setup ct-a', '100 teardown S1', '102 setup ct-b', '601 teardown S2']
        : ['1 setup ct-a', '100 teardown S1', '100 setup ct-b', '601 teardown S2'],
    );
  });

  it('18. no licence answer with a token within the period is a fatal 6003; the player is asked once per retry', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        { source$: hot('-a', { a }), licence$: hot('- 9ms x', { x: licence('a.mpd', 'L1') }) },
        { transport, syncMode, heartbeatRetries: 1 },
      );
      expectObservable(labels(session.session$), '^ 3000ms !').toBe('is-A------x 1992ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        x: 'licence a L1',
        E: 'error a 6003',
      });
      expectObservable(session.renewals$.pipe(map((r) => r.sessionToken)), '^ 3000ms !').toBe(
        '- 1002ms x 499ms x',
        { x: 'L1' },
      );
      expectObservable(
        session.errors$.pipe(map((e) => `${e.code} ${e.fatal} ${e.message}`)),
        '^ 3000ms !',
      ).toBe('- 2002ms e', {
        e: '6003 true no licence answer with the next session token within 1 s',
      });
    });
    // Dead like a heartbeat that ran out of retries: no further request for that session.
    expect(requestLog(transport)).toEqual(['1 setup ct-a']);
  });

  it('18. a Widevine session (drmEnforced, no token) is asked every period with no deadline', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x', {
            x: licence('a.mpd', undefined, {
              drmEnforced: true,
              keySystem: 'com.widevine.alpha',
            }),
          }),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 3100ms !').toBe('is-A------x', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        x: 'licence a S1',
      });
      expectObservable(session.renewals$.pipe(map((r) => r.sessionToken)), '^ 3100ms !').toBe(
        '- 1002ms x 999ms x 999ms x',
        { x: 'S1' },
      );
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '3101 teardown S1']);
  });

  it('19. renewWidevine posts the challenge with the session token alone, adopts the next token and emits the licence bytes', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x', { x: licence('a.mpd', undefined, { drmEnforced: true }) }),
        },
        { transport, syncMode },
      );
      const renewed$ = hot('- 499ms (w|)').pipe(
        mergeMap(() => session.renewWidevine(new TextEncoder().encode('challenge-1'))),
        map((bytes) => new TextDecoder().decode(bytes)),
      );
      expectObservable(labels(session.session$), '^ 800ms !').toBe('is-A------x 491ms W', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        x: 'licence a S1',
        W: 'licence a W1',
      });
      expectObservable(renewed$, '^ 800ms !').toBe('- 501ms (l|)', { l: 'lic-W1' });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '500 renewal S1', '801 teardown W1']);
    const renewal = transport.requests[1]?.request;
    expect(renewal?.url).toBe(`${SSM_URL}/v1/renewal-license-wv`);
    expect(JSON.parse(renewal?.body ?? '')).toEqual({
      challenge: Buffer.from('challenge-1').toString('base64'),
    });
  });

  it('19/20. a renewal racing a zap: the teardown waits for the renewal in flight and uses its token', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, undefined, { renewal: '----------r|' });
      const session = ssmSession(
        {
          source$: hot('-a 503ms b', { a, b }),
          licence$: hot('- 9ms x', { x: licence('a.mpd', undefined, { drmEnforced: true }) }),
        },
        { transport, syncMode },
      );
      const renewed$ = hot('- 499ms (w|)').pipe(
        mergeMap(() => session.renewWidevine(new Uint8Array([1, 2, 3]))),
        map((bytes) => new TextDecoder().decode(bytes)),
      );
      expectObservable(renewed$, '^ 800ms !').toBe('- 509ms (l|)', { l: 'lic-W1' });
      expectObservable(session.errors$, '^ 800ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual(
      syncMode
        ? ['1 setup ct-a', '500 renewal S1', '510 teardown W1', '512 setup ct-b', '801 teardown S2']
        : [
            '1 setup ct-a',
            '500 renewal S1',
            '505 setup ct-b',
            '510 teardown W1',
            '801 teardown S2',
          ],
    );
  });

  it('19. a renewal refused (4xx) is a fatal 6003 on errors$, and the returned observable errors with it', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, (req) =>
        req.call === 'renewal' ? cold('--r|', { r: refused(401, 1003) }) : undefined,
      );
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x', { x: licence('a.mpd', undefined, { drmEnforced: true }) }),
        },
        { transport, syncMode },
      );
      const renewed$ = hot('- 499ms w').pipe(
        mergeMap(() => session.renewWidevine(new Uint8Array([1]))),
      );
      expectObservable(labels(session.session$), '^ 800ms !').toBe('is-A------x 491ms E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        x: 'licence a S1',
        E: 'error a 6003',
      });
      expectObservable(
        session.errors$.pipe(map((e) => `${e.code} ${e.serverCode} ${e.fatal}`)),
        '^ 800ms !',
      ).toBe('- 501ms e', { e: '6003 1003 true' });
      expectObservable(renewed$, '^ 800ms !').toBe(
        '- 501ms #',
        undefined,
        expect.objectContaining({ code: 6003, serverCode: 1003 }),
      );
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '500 renewal S1']);
  });

  it('19. renewWidevine with no live session errors at once with a 6003 that ends no session', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const transport = scripted(cold);
      const session = ssmSession({ source$: hot('---- 100ms a', { a }) }, { transport, syncMode });
      const renewed$ = hot('-w').pipe(mergeMap(() => session.renewWidevine(new Uint8Array([1]))));
      expectObservable(labels(session.session$), '^ 200ms !').toBe('i 103ms s-A', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
      });
      expectObservable(renewed$, '^ 200ms !').toBe(
        '-#',
        undefined,
        expect.objectContaining({ code: 6003, fatal: false }),
      );
    });
  });

  it('20. a stop while a licence renewal waits for its answer: the teardown waits for it and goes out with the token it brings, no error', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          // L1 switches the session; the renewal asked at 1003 is answered at 1150, after the stop.
          licence$: hot('- 9ms x 1139ms y', {
            x: licence('a.mpd', 'L1'),
            y: licence('a.mpd', 'L2'),
          }),
          stop$: hot('- 1099ms s'),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 1500ms !').toBe(
        'is-A------x 1089ms d 50ms -i',
        {
          i: 'idle',
          s: 'setup a',
          A: 'active a S1',
          x: 'licence a L1',
          d: 'down a',
        },
      );
      expectObservable(session.renewals$.pipe(map((r) => r.sessionToken)), '^ 1500ms !').toBe(
        '- 1002ms r',
        { r: 'L1' },
      );
      expectObservable(session.errors$, '^ 1500ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '1150 teardown L2']);
  });

  it('20. a zap away and back while the old session waits for a licence answer: licence answers for the new session of the same source are not the old one’s', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          // a, then b at 1100, then a again at 1200: the renewal asked at 1003 gets no answer.
          source$: hot('-a 1098ms b 99ms a', { a, b }),
          // L1 switches the first session; L9 at 1250 answers the new session of a.
          licence$: hot('- 9ms x 1239ms y', {
            x: licence('a.mpd', 'L1'),
            y: licence('a.mpd', 'L9'),
          }),
        },
        { transport, syncMode, heartbeatRetries: 1 },
      );
      expectObservable(session.errors$, '^ 1600ms !').toBe('');
    });
    // The first session's teardown waits for its try to end (1503) and keeps L1.
    expect(requestLog(transport)).toEqual(
      syncMode
        ? ['1 setup ct-a', '1503 teardown L1', '1505 setup ct-a', '1601 teardown S2']
        : [
            '1 setup ct-a',
            '1100 setup ct-b',
            '1200 teardown S2',
            '1200 setup ct-a',
            '1503 teardown L1',
            '1601 teardown L9',
          ],
    );
  });

  it('20. the last unsubscribe while a licence renewal waits, then a new subscription to the same source: its licence answers are not the old session’s', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    const states: string[] = [];
    const scheduler = testScheduler();
    scheduler.run(({ hot, cold }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          // Each subscription wants a at once.
          source$: cold('a', { a }),
          // L1 switches the first session; L9 at 1150 answers the second one.
          licence$: hot('- 9ms x 1139ms y', {
            x: licence('a.mpd', 'L1'),
            y: licence('a.mpd', 'L9'),
          }),
        },
        { transport, syncMode, heartbeatRetries: 1 },
      );
      // The renewal asked at 1002 waits for its answer when the app unsubscribes at 1100 and
      // subscribes again at once.
      const seen = (from: number, to: number) =>
        cold(`${from}ms x`).pipe(
          switchMap(() => session.session$),
          takeUntil(cold(`${to}ms x`)),
          map((state) => `${scheduler.now()} ${label(state)}`),
        );
      seen(0, 1100).subscribe((line) => states.push(line));
      seen(1100, 1600).subscribe((line) => states.push(line));
    });
    expect(states).toEqual([
      '0 idle',
      '0 setup a',
      '2 active a S1',
      '10 licence a L1',
      // The new subscription sees the first session's teardown, still waiting.
      '1100 down a',
      '1100 setup a',
      ...(syncMode ? ['1506 active a S2'] : ['1102 active a S2', '1150 licence a L9']),
    ]);
    // The first session's teardown keeps L1 at the end of its try; L9 is the second one's
    // (in sync mode, which sets it up after that teardown, an answer for nobody).
    expect(requestLog(transport)).toEqual(
      syncMode
        ? ['0 setup ct-a', '1502 teardown L1', '1504 setup ct-a', '1600 teardown S2']
        : ['0 setup ct-a', '1100 setup ct-a', '1502 teardown L1', '1600 teardown L9'],
    );
  });

  it('20. a stop while a licence renewal gets no answer: the teardown waits until that try ends (a period over heartbeatRetries + 1), then uses the token it has', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x', { x: licence('a.mpd', 'L1') }),
          stop$: hot('- 1099ms s'),
        },
        { transport, syncMode, heartbeatRetries: 1 },
      );
      // The renewal asked at 1003 has until 1503: 1 s over two tries.
      expectObservable(labels(session.session$), '^ 1600ms !').toBe(
        'is-A------x 1089ms d 403ms -i',
        {
          i: 'idle',
          s: 'setup a',
          A: 'active a S1',
          x: 'licence a L1',
          d: 'down a',
        },
      );
      expectObservable(session.errors$, '^ 1600ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '1503 teardown L1']);
  });

  it('18. a FairPlay renewal answer without a token (the server kept it) renews the session, which keeps its token: no 6003', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const kept = licence('a.mpd', undefined, { renewed: true, keySystem: 'com.apple.fps' });
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          // The first answer switches the session; each renewal's answer names no token.
          licence$: hot('- 9ms x 1039ms r 999ms r', { x: licence('a.mpd', 'L1'), r: kept }),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 2500ms !').toBe(
        'is-A------x 1039ms r 999ms r',
        { i: 'idle', s: 'setup a', A: 'active a S1', x: 'licence a L1', r: 'licence a L1' },
      );
      expectObservable(session.renewals$.pipe(map((r) => r.sessionToken)), '^ 2500ms !').toBe(
        '- 1002ms x 999ms x',
        { x: 'L1' },
      );
      expectObservable(session.errors$, '^ 2500ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '2501 teardown L1']);
  });

  it('17. in heartbeat mode, a FairPlay answer without a token changes nothing', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const kept = licence('a.mpd', undefined, { renewed: true, keySystem: 'com.apple.fps' });
      const session = ssmSession(
        { source$: hot('-a', { a }), licence$: hot('- 9ms r', { r: kept }) },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 1100ms !').toBe('is-A 1001ms H', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        H: 'active a H1',
      });
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '1101 teardown H1',
    ]);
  });

  it('19. a Widevine renewal answer without a token keeps the session token and brings the licence: no 6003', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, (req) =>
        req.call === 'renewal'
          ? cold('--r|', { r: ok({ license: base64(licenceBytes('kept')) }) })
          : undefined,
      );
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x', { x: licence('a.mpd', undefined, { drmEnforced: true }) }),
        },
        { transport, syncMode },
      );
      const renewed$ = hot('- 499ms (w|)').pipe(
        mergeMap(() => session.renewWidevine(new TextEncoder().encode('challenge-1'))),
        map((bytes) => new TextDecoder().decode(bytes)),
      );
      expectObservable(labels(session.session$), '^ 800ms !').toBe('is-A------x 491ms W', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        x: 'licence a S1',
        W: 'licence a S1',
      });
      expectObservable(renewed$, '^ 800ms !').toBe('- 501ms (l|)', { l: 'lic-kept' });
      expectObservable(session.errors$, '^ 800ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '500 renewal S1', '801 teardown S1']);
  });

  it('17/18. a heartbeat answered "renewed by licence" (409/1006) switches the session and asks the player at once', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, (req) =>
        req.call === 'heartbeat' ? cold('--r|', { r: refused(409, 1006) }) : undefined,
      );
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 1099ms x', { x: licence('a.mpd', 'L1') }),
        },
        { transport, syncMode },
      );
      expectObservable(labels(session.session$), '^ 1200ms !').toBe('is-A 1001ms x 94ms y', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        x: 'licence a S1',
        y: 'licence a L1',
      });
      expectObservable(session.renewals$.pipe(map((r) => r.sessionToken)), '^ 1200ms !').toBe(
        '- 1004ms x',
        { x: 'S1' },
      );
      expectObservable(session.errors$, '^ 1200ms !').toBe('');
    });
    expect(requestLog(transport)).toEqual([
      '1 setup ct-a',
      '1003 heartbeat S1',
      '1201 teardown L1',
    ]);
  });
});

describe('answers a session cannot use', () => {
  it('17. a licence answer whose token a header cannot carry is a fatal 6003; the token goes nowhere', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold);
      const { session$, errors$, authorization$ } = ssmSession(
        {
          source$: hot('-a', { a }),
          licence$: hot('- 9ms x', { x: { src: 'a.mpd', sessionToken: 'L1\r\nX-Evil: 1' } }),
        },
        { transport },
      );
      expectObservable(labels(session$), '^ 2000ms !').toBe('is-A------E', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        E: 'error a 6003',
      });
      expectObservable(
        errors$.pipe(map((e) => `${e.code} ${e.fatal} ${e.message}`)),
        '^ 2000ms !',
      ).toBe('- 9ms e', {
        e: '6003 true a licence answer carried a session token a header cannot carry',
      });
      expectObservable(authorization$, '^ 2000ms !').toBe('n--a------n', {
        n: null,
        a: 'ct-a,S1',
      });
    });
    // No heartbeat and no teardown: the server rotated the session to a token nobody can send.
    expect(requestLog(transport)).toEqual(['1 setup ct-a']);
  });

  it.each([
    ['no license', { sessionToken: 'W1' }],
    ['a license that is not base64', { sessionToken: 'W1', license: 'not base64!' }],
  ])(
    '19. a Widevine renewal answered 200 with %s is a fatal 6003, and renewWidevine errors with it',
    (_case, body) => {
      let transport = scriptedTransport(() => NEVER);
      testScheduler().run(({ hot, cold, expectObservable }) => {
        transport = scripted(cold, (req) =>
          req.call === 'renewal' ? cold('--r|', { r: ok(body) }) : undefined,
        );
        const session = ssmSession(
          {
            source$: hot('-a', { a }),
            licence$: hot('- 9ms x', { x: { src: 'a.mpd', drmEnforced: true } }),
          },
          { transport },
        );
        const renewed$ = hot('- 499ms w').pipe(
          mergeMap(() => session.renewWidevine(new Uint8Array([1]))),
        );
        expectObservable(labels(session.session$), '^ 800ms !').toBe('is-A------x 491ms E', {
          i: 'idle',
          s: 'setup a',
          A: 'active a S1',
          x: 'licence a S1',
          E: 'error a 6003',
        });
        const failure = expect.objectContaining({
          code: 6003,
          fatal: true,
          httpStatus: 200,
          message: expect.stringContaining('answered HTTP 200 but without a base64 license'),
        });
        expectObservable(session.errors$, '^ 800ms !').toBe('- 501ms e', { e: failure });
        expectObservable(renewed$, '^ 800ms !').toBe('- 501ms #', undefined, failure);
      });
      // Not retried (the server answered), and no further request for that session, as for a 4xx.
      expect(requestLog(transport)).toEqual(['1 setup ct-a', '500 renewal S1']);
    },
  );
});
