import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { SsmSource } from '../../../src/index.js';
import { loadIntents } from '../../../src/players/source/load-intents.js';

const SSM = 'https://ssm.test/acme/ssm';
const a: SsmSource = { src: 'a.mpd', token: 'ct-a', ssmServerUrl: SSM };
const a2: SsmSource = { src: 'a.mpd', token: 'ct-a2', ssmServerUrl: SSM };

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('loadIntents(uri$, sourceOf)', () => {
  it('a load answered later: source$ is null meanwhile, loaded$ comes with the answer', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const answers = [cold('--a|', { a }), cold('--b|', { b: a2 })];
      const uri$ = hot('-u-----u---n', { u: 'a.mpd', n: null });
      const { source$, loaded$ } = loadIntents(uri$, () => answers.shift() ?? null);
      expectObservable(source$).toBe('-n-a---n-b-n', { n: null, a, b: a2 });
      // Not at the load: a play then would set up a session for the answer still standing.
      expectObservable(loaded$).toBe('---a-----b--', { a, b: a2 });
    });
  });

  it('a load answered at once: loaded$ at the load, once per load', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const uri$ = hot('-u----u', { u: 'a.mpd' });
      const { source$, loaded$ } = loadIntents(uri$, () => a);
      expectObservable(source$).toBe('-a----a', { a });
      expectObservable(loaded$).toBe('-a----a', { a });
    });
  });
});
