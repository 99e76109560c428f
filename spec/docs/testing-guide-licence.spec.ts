import { type LicenceAnswer, ssmSession } from 'rx-ssm';
import { ssmModel } from 'rx-ssm/testing';
import { map, mergeMap, Subject, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect, it } from 'vitest';

it('licence mode: each licence the player renews carries the newest token, and so does the teardown', () => {
  // Sessions renewed by their licence: a heartbeat is refused 409 / 1006.
  const model = ssmModel({ drmEnforced: true, heartbeatSeconds: 1, latency: 3 });
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
    ({ hot, expectObservable }) => {
      const source = {
        src: 'ch1.mpd',
        token: 'token-1',
        ssmServerUrl: 'https://ssm.example.com/ssm',
      };
      const licence$ = new Subject<LicenceAnswer>();
      const session = ssmSession(
        { source$: hot('-s', { s: source }), licence$ },
        { transport: model.transport },
      );
      // The app's player: a licence request whenever the session asks for one (model.licence
      // plays the licence server), its answer on licence$.
      const player$ = session.renewals$.pipe(
        mergeMap((renewal) => model.licence(renewal)),
        tap((answer) => licence$.next(answer)),
      );
      expectObservable(player$.pipe(map((answer) => answer.sessionToken)), '^ 2500ms !').toBe(
        '- 1009ms x 996ms y',
        { x: 'S1.1', y: 'S1.2' },
      );
      expectObservable(
        session.session$.pipe(
          map((s) => (s.status === 'active' ? `${s.renewal} ${s.sessionToken}` : s.status)),
        ),
        '^ 2500ms !',
      ).toBe('is--a 1002ms b--c 996ms d', {
        i: 'idle',
        s: 'setting-up',
        a: 'heartbeat S1',
        b: 'licence S1', // the heartbeat at 1 s was refused 1006: the player is asked at once
        c: 'licence S1.1',
        d: 'licence S1.2',
      });
    },
  );
  expect(model.transport.requests.map((r) => `${r.at} ${r.call} ${r.token}`)).toEqual([
    '1 setup token-1',
    '1004 heartbeat S1',
    '2501 teardown S1.2',
  ]);
  expect(model.liveSessions()).toBe(0);
});
