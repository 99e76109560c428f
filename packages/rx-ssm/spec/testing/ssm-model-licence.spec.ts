import { firstValueFrom, map, mergeMap, type Observable, Subject, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { labels, requestLog, ssmSource, testScheduler } from '../../../../spec/support/marbles.js';
import { type LicenceAnswer, type SsmSource, ssmSession, stopSession } from '../../src/index.js';
import { type SsmModel, ssmModel } from '../../src/testing/index.js';

const a = ssmSource('a');

/** The licence answers a player would put on `licence$`, as `src token` or `src refused N`. */
const answerLabel = (answer: LicenceAnswer) =>
  answer.refused
    ? `${answer.src} refused ${answer.refused.serverCode}`
    : `${answer.src} ${answer.sessionToken ?? 'no token'}`;

/**
 * A session on `model` and its player: a licence request (`model.licence`) whenever the session
 * asks for a renewal, each answer handed back on `licence$`. The player's answers are labelled.
 */
function renewedByLicence(model: SsmModel, source$: Observable<SsmSource>) {
  const licence$ = new Subject<LicenceAnswer>();
  const session = ssmSession({ source$, licence$ }, { transport: model.transport });
  const player$ = session.renewals$.pipe(
    mergeMap((renewal) => model.licence(renewal)),
    tap((answer) => licence$.next(answer)),
    map(answerLabel),
  );
  return { session, player$ };
}

describe('ssmModel in DRM enforcement (drmEnforced)', () => {
  it('a heartbeat is refused 1006; each licence the player renews rotates the token; the teardown uses the newest', () => {
    const model = ssmModel({ drmEnforced: true, heartbeatSeconds: 1, latency: 3 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session, player$ } = renewedByLicence(model, hot('-a', { a }));
      expectObservable(player$, '^ 2500ms !').toBe('- 1009ms x 996ms y', {
        x: 'a.mpd S1.1',
        y: 'a.mpd S1.2',
      });
      expectObservable(labels(session.session$), '^ 2500ms !').toBe('is--A 1002ms x--y 996ms z', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        x: 'licence a S1',
        y: 'licence a S1.1',
        z: 'licence a S1.2',
      });
      expectObservable(session.errors$, '^ 2500ms !').toBe('');
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '1004 heartbeat S1',
      '2501 teardown S1.2',
    ]);
    expect(model.liveSessions()).toBe(0);
  });

  it('Widevine: renewWidevine rotates the token and answers the challenge as the licence', () => {
    const model = ssmModel({ drmEnforced: true, heartbeatSeconds: 1, latency: 3 });
    testScheduler().run(({ hot, expectObservable }) => {
      const session = ssmSession(
        {
          source$: hot('-a', { a }),
          // The first licence answer: Widevine, sessionDrmEnforced.
          licence$: hot('- 9ms w', { w: { src: 'a.mpd', drmEnforced: true } }),
        },
        { transport: model.transport },
      );
      const renewed$ = hot('- 499ms r').pipe(
        mergeMap(() => session.renewWidevine(new TextEncoder().encode('challenge-1'))),
        map((licence) => new TextDecoder().decode(licence)),
      );
      expectObservable(renewed$, '^ 800ms !').toBe('- 502ms l', { l: 'challenge-1' });
      expectObservable(labels(session.session$), '^ 800ms !').toBe('is--A-----w 492ms r', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        w: 'licence a S1',
        r: 'licence a S1.1',
      });
    });
    // No heartbeat in licence mode; the teardown with the token the renewal brought.
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '500 renewal S1',
      '801 teardown S1.1',
    ]);
    expect(model.liveSessions()).toBe(0);
  });

  it('a session stopped from another device: its next licence is refused 1008, a 6003 with isStoppedRemotely, and its teardown still goes out', () => {
    const model = ssmModel({ drmEnforced: true, heartbeatSeconds: 1, latency: 3 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session, player$ } = renewedByLicence(model, hot('-a', { a }));
      expectObservable(player$, '^ 2500ms !').toBe('- 1009ms x 996ms y', {
        x: 'a.mpd S1.1',
        y: 'a.mpd refused 1008',
      });
      // Another device stops it between the two licence renewals.
      hot('- 1499ms x')
        .pipe(mergeMap(() => stopSession(a, 'sid-1', { transport: model.transport })))
        .subscribe();
      expectObservable(
        session.errors$.pipe(map((e) => `${e.code} ${e.isStoppedRemotely}`)),
        '^ 2500ms !',
      ).toBe('- 2006ms e', { e: '6003 true' });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '1004 heartbeat S1',
      '1500 stop ct-a',
      '2007 teardown S1.1',
    ]);
    expect(model.liveSessions()).toBe(0);
  });

  it('answers a licence request made with a rotated-out or unknown token 401 / 1003', () => {
    const model = ssmModel({ drmEnforced: true, latency: 3 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$ } = ssmSession(
        { source$: hot('-a', { a }) },
        { transport: model.transport },
      );
      expectObservable(labels(session$), '^ 20ms !').toBe('is--A', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
      });
      const asked = (sessionToken: string) => model.licence({ source: a, sessionToken });
      // S1 becomes S1.1 at 10; S1 is rotated out from then on, S9 was never given.
      const answers$ = hot('- 9ms x-y-z', { x: 'S1', y: 'S1', z: 'S9' }).pipe(
        mergeMap(asked),
        map(answerLabel),
      );
      expectObservable(answers$, '^ 20ms !').toBe('- 12ms x-y-z', {
        x: 'a.mpd S1.1',
        y: 'a.mpd refused 1003',
        z: 'a.mpd refused 1003',
      });
    });
  });
});

describe('ssmModel in heartbeat mode', () => {
  it('a licence answers with no token and heartbeats go on; a Widevine renewal keeps the token', () => {
    const model = ssmModel({ heartbeatSeconds: 1, latency: 3 });
    testScheduler().run(({ hot, expectObservable }) => {
      const licence$ = new Subject<LicenceAnswer>();
      const { session$ } = ssmSession(
        { source$: hot('-a', { a }), licence$ },
        { transport: model.transport },
      );
      // The player's first licence request, once the session is active.
      const player$ = hot('- 9ms x').pipe(
        mergeMap(() => model.licence({ source: a, sessionToken: 'S1' })),
        tap((answer) => licence$.next(answer)),
        map(answerLabel),
      );
      expectObservable(player$, '^ 1100ms !').toBe('- 12ms x', { x: 'a.mpd no token' });
      expectObservable(labels(session$), '^ 1100ms !').toBe('is--A 1002ms B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        B: 'active a S1.1',
      });
      const widevine$ = hot('- 1049ms w').pipe(
        mergeMap(() =>
          model.transport({
            call: 'renewal',
            url: 'https://ssm.test/acme/ssm/v1/renewal-license-wv',
            headers: { 'nv-authorizations': 'S1.1' },
            body: JSON.stringify({ challenge: 'Y2g=' }),
          }),
        ),
      );
      expectObservable(widevine$, '^ 1100ms !').toBe('- 1052ms r', {
        r: { status: 200, body: { sessionToken: 'S1.1', license: 'Y2g=' } },
      });
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '1004 heartbeat S1',
      '1050 renewal S1.1',
      '1101 teardown S1.1',
    ]);
  });

  it('refuses a Widevine renewal without a challenge 400 / 1004', async () => {
    const model = ssmModel({ latency: 0 });
    const setup = await firstValueFrom(
      model.transport({
        call: 'setup',
        url: 'https://ssm.test/v1/sessions/setup',
        headers: { 'nv-authorizations': 'ct-a' },
        body: '{}',
      }),
    );
    expect(setup.status).toBe(200);
    const renewal = await firstValueFrom(
      model.transport({
        call: 'renewal',
        url: 'https://ssm.test/v1/renewal-license-wv',
        headers: { 'nv-authorizations': 'S1' },
        body: '{}',
      }),
    );
    expect(renewal).toMatchObject({ status: 400, body: { errorCode: 1004 } });
  });
});
