import { BehaviorSubject, filter, firstValueFrom, Subject, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SpecServer, startSpecServer } from '../../../../../spec/support/ssm-server.js';
import { fetchTransport, type SsmSource, type SsmState, ssmSession } from '../../../src/index.js';
import { teardownOnPageHide } from '../../../src/players/index.js';

const pagehide = (window: EventTarget) => window.dispatchEvent(new Event('pagehide'));

describe('teardownOnPageHide(window, session) against the reference server', () => {
  let spec: SpecServer;
  beforeAll(async () => {
    spec = await startSpecServer();
  });
  afterAll(() => spec.server.close());

  it('frees the slot on pagehide with the newest session token, while the page still runs', async () => {
    const source: SsmSource = {
      src: 'a.mpd',
      token: await spec.contentToken({ accountId: 'hide', contentId: 'a' }),
      ssmServerUrl: `${spec.origin}/acme/ssm`,
    };
    const window = new EventTarget();
    const session = ssmSession(
      { source$: new BehaviorSubject(source) },
      { transport: fetchTransport() },
    );
    const watching = teardownOnPageHide(window, session);
    // Waited for, not slept on: a loaded machine answers later, never differently.
    const liveSessions = (count: number) =>
      vi.waitFor(async () => expect(await spec.server.liveSessions('hide')).toBe(count), {
        timeout: 5000,
        interval: 10,
      });
    // Active in the app, not only on the server: a page hidden during its setup has no token
    // to tear down with yet.
    await firstValueFrom(
      session.session$.pipe(
        filter((state) => state.status === 'active'),
        timeout(5000),
      ),
    );
    await liveSessions(1);

    pagehide(window);
    await liveSessions(0);
    watching.unsubscribe();
  });
});

describe('teardownOnPageHide: the request', () => {
  const source: SsmSource = {
    src: 'a.mpd',
    token: 'ct-a',
    ssmServerUrl: 'https://ssm.test/acme/ssm/',
    tokenHeader: 'x-ssm',
  };
  const active = (sessionToken: string): SsmState => ({
    status: 'active',
    source,
    sessionToken,
    heartbeatSeconds: 5,
    authorization: `ct-a,${sessionToken}`,
    renewal: 'heartbeat',
  });

  /** A fetch that records and never answers, as a page that is gone never reads the answer. */
  function recordingFetch() {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fetch = ((url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Promise<Response>(() => {});
    }) as typeof globalThis.fetch;
    return { calls, fetch };
  }

  it('is a keepalive POST of the teardown, built by the wire module, with the newest token', () => {
    const { calls, fetch } = recordingFetch();
    const window = new EventTarget();
    const session$ = new Subject<SsmState>();
    const watching = teardownOnPageHide(window, { session$ }, { fetch });
    session$.next(active('S1'));
    session$.next(active('S1.1'));
    pagehide(window);

    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls as [(typeof calls)[0]];
    expect(url).toBe('https://ssm.test/acme/ssm/v1/sessions/teardown');
    expect(init).toMatchObject({ method: 'POST', keepalive: true, body: '{}' });
    expect(init.headers).toEqual({
      Accept: 'application/json',
      'Content-Type': 'application/json; charset=utf-8',
      'x-ssm': 'S1.1',
    });
    watching.unsubscribe();
  });

  it('sends nothing unless a session is active, and once per pagehide', () => {
    const { calls, fetch } = recordingFetch();
    const window = new EventTarget();
    const session$ = new Subject<SsmState>();
    const watching = teardownOnPageHide(window, { session$ }, { fetch });
    pagehide(window);
    session$.next({ status: 'setting-up', source });
    pagehide(window);
    session$.next(active('S1'));
    pagehide(window);
    pagehide(window);
    session$.next({ status: 'idle' });
    pagehide(window);
    expect(calls.map((c) => (c.init.headers as Record<string, string>)['x-ssm'])).toEqual(['S1']);
    watching.unsubscribe();
  });

  it('is not aborted when the app unsubscribes right after (e.g. in its own pagehide handler)', () => {
    const { calls, fetch } = recordingFetch();
    const window = new EventTarget();
    const session$ = new BehaviorSubject<SsmState>(active('S1'));
    const watching = teardownOnPageHide(window, { session$ }, { fetch });
    pagehide(window);
    watching.unsubscribe();
    expect(calls[0]?.init.signal?.aborted).toBe(false);
  });
});
