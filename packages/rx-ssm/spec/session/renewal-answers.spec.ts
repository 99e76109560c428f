import { map, mergeMap, NEVER, type Observable, takeUntil } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { labels, requestLog, ssmSource, testScheduler } from '../../../../spec/support/marbles.js';
import { type SsmRequest, type SsmResponse, ssmSession } from '../../src/index.js';
import { ok, refused, scriptedTransport } from '../../src/testing/index.js';

const a = ssmSource('a');
const b = ssmSource('b');

type Cold = (marble: string, values?: Record<string, SsmResponse>) => Observable<SsmResponse>;

/**
 * A scripted server with a 1 s period: setups grant `S1`, `S2`…, heartbeats rotate to `H1`…,
 * teardowns answer `{}`, each after 2 frames; `override` answers a call its own way.
 */
function scripted(cold: Cold, override: (req: SsmRequest) => Observable<SsmResponse> | undefined) {
  let sessions = 0;
  let renewals = 0;
  return scriptedTransport((req) => {
    const answer = override(req);
    if (answer) return answer;
    switch (req.call) {
      case 'setup':
        sessions += 1;
        return cold('--r|', { r: ok({ sessionToken: `S${sessions}`, heartbeat: 1 }) });
      case 'heartbeat':
        renewals += 1;
        return cold('--r|', { r: ok({ sessionToken: `H${renewals}` }) });
      default:
        return cold('--r|', { r: ok({}) });
    }
  });
}

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
      transport = scripted(cold, (req) =>
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

describe('answers a session cannot use', () => {
  it('17. a licence answer whose token a header cannot carry is a fatal 6003; the token goes nowhere', () => {
    let transport = scriptedTransport(() => NEVER);
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scripted(cold, () => undefined);
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
