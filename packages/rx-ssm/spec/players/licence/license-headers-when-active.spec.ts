import { describe, it } from 'vitest';
import { ssmSource, testScheduler } from '../../../../../spec/support/marbles.js';
import { SsmError, type SsmSource, type SsmState } from '../../../src/index.js';
import { licenseHeadersWhenActive } from '../../../src/players/index.js';

const a = ssmSource('a');
const setup: SsmState = { status: 'setting-up', source: a };
const active = (sessionToken: string): SsmState => ({
  status: 'active',
  source: a,
  sessionToken,
  heartbeatSeconds: 5,
  authorization: `ct-a,${sessionToken}`,
  renewal: 'heartbeat',
});
const limit = new SsmError({ kind: 'setup', message: 'limit', httpStatus: 403, serverCode: 1007 });
const free: SsmSource = { src: 'free.mpd', token: 'ct-free' };
const refusedAtLimit: SsmState = { status: 'error', source: a, error: limit };

describe('licenseHeadersWhenActive(session)', () => {
  it('emits the headers of the first active state, with its session token, and completes', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const session$ = hot('s--a--b', { s: setup, a: active('S1'), b: active('S1.1') });
      expectObservable(licenseHeadersWhenActive({ session$ })).toBe('---(h|)', {
        h: { 'nv-authorizations': 'ct-a,S1' },
      });
    });
  });

  it('emits at once when the session is already active (session$ replays it)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const session$ = cold('b', { b: active('S1.1') });
      expectObservable(licenseHeadersWhenActive({ session$ })).toBe('(h|)', {
        h: { 'nv-authorizations': 'ct-a,S1.1' },
      });
    });
  });

  it('errors with the session’s own error: a licence request never goes out without its session', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const session$ = hot('s--e', { s: setup, e: refusedAtLimit });
      expectObservable(licenseHeadersWhenActive({ session$ })).toBe('---#', undefined, limit);
    });
  });

  it('errors with a setup error when no session comes within waitMs', () => {
    testScheduler().run(({ hot, expectObservable, time }) => {
      const session$ = hot('s', { s: setup });
      const waitMs = time('-----|');
      const headers$ = licenseHeadersWhenActive({ session$ }, { waitMs });
      expectObservable(headers$).toBe(
        '-----#',
        undefined,
        new SsmError({
          kind: 'setup',
          message: 'no SSM session within 5 ms: the licence request was not sent',
        }),
      );
    });
  });

  it('with source$: content that needs no session gets its content token alone, at once', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const session$ = hot('i', { i: { status: 'idle' } satisfies SsmState });
      const source$ = hot('--f', { f: free });
      expectObservable(licenseHeadersWhenActive({ session$ }, { source$ })).toBe('--(h|)', {
        h: { 'nv-authorizations': 'ct-free' },
      });
    });
  });

  it('with source$: content that needs a session still waits for it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const session$ = hot('s---a', { s: setup, a: active('S1') });
      const source$ = hot('a', { a });
      expectObservable(licenseHeadersWhenActive({ session$ }, { source$ })).toBe('----(h|)', {
        h: { 'nv-authorizations': 'ct-a,S1' },
      });
    });
  });
});
