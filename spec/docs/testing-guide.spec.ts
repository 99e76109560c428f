import { ssmSession } from 'rx-ssm';
import { ssmModel } from 'rx-ssm/testing';
import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect, it } from 'vitest';

// The app's own code: channel numbers from its remote control become rx-ssm sources.
function channelSession(channel$: Observable<number | null>, transport = ssmModel().transport) {
  const source$ = channel$.pipe(
    map((n) =>
      n === null
        ? null
        : { src: `ch${n}.mpd`, token: `token-${n}`, ssmServerUrl: 'https://ssm.example.com/ssm' },
    ),
  );
  return ssmSession({ source$ }, { transport });
}

it('zapping keeps one slot: the account never holds two sessions', () => {
  const model = ssmModel({ maxSessions: 1, latency: 3 });
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
    ({ hot, expectObservable }) => {
      const { session$ } = channelSession(
        hot('-1-----2-----n', { 1: 1, 2: 2, n: null }),
        model.transport,
      );
      expectObservable(session$.pipe(map((s) => s.status)), '^ 30ms !').toBe('is--a--s--a--t--i', {
        i: 'idle',
        s: 'setting-up',
        a: 'active',
        t: 'tearing-down',
      });
    },
  );
  expect(model.transport.requests.map((r) => `${r.at} ${r.call} ${r.token}`)).toEqual([
    '1 setup token-1',
    '7 teardown S1',
    '7 setup token-2', // async: sent together with the old teardown, not after it
    '13 teardown S2',
  ]);
  expect(model.peakSessions()).toBe(1);
  expect(model.liveSessions()).toBe(0);
});
