import { filter, firstValueFrom, Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AppState,
  axiosTransport,
  type SsmError,
  type SsmSource,
  ssmSession,
} from '../../packages/rx-ssm/src/index.js';
import { ssmModel } from '../../packages/rx-ssm/src/testing/index.js';
import { labels, requestLog, ssmSource, testScheduler } from '../support/marbles.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

/**
 * Found by the virtual storm: a zap (or stop) while a heartbeat is in flight makes the teardown
 * wait for that heartbeat's answer. When the answer is a refusal (4xx: the session expired, or its
 * token is unknown), the session is dead, and rule 10 says no further request is made for it; the
 * SDK sent the teardown anyway, with the refused token. The server answers it 401, the app gets a
 * spurious 6002, and in sync mode the next setup waits one more round trip.
 *
 * Typical on mobile: back from the background after the session expired, the catch-up heartbeat
 * goes out, and the viewer zaps at once.
 */
const a = ssmSource('a');
const b = ssmSource('b');

describe('a zap while a refused heartbeat is in flight', () => {
  it('async: sends no teardown for the refused session; the new setup goes out at once', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        {
          source$: hot('-a 5010ms b', { a, b }),
          appState$: hot('- 10ms g 4999ms f', { g: 'background', f: 'active' }),
        },
        { transport: model.transport },
      );
      // Two periods in the background: the model expired S1; the catch-up heartbeat at 5011 is
      // refused at 5013, after the zap at 5012.
      expectObservable(labels(session$), '^ 5100ms !').toBe('is-A 5008ms t-B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        B: 'active b S2',
      });
      expectObservable(errors$, '^ 5100ms !').toBe('');
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '5011 heartbeat S1',
      '5012 setup ct-b',
      '5101 teardown S2',
    ]);
    expect(model.liveSessions()).toBe(0);
  });

  it('sync: the new setup goes out as soon as the heartbeat is refused, with no teardown first', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        {
          source$: hot('-a 5010ms b', { a, b }),
          appState$: hot('- 10ms g 4999ms f', { g: 'background', f: 'active' }),
        },
        { transport: model.transport, syncMode: true },
      );
      expectObservable(labels(session$), '^ 5100ms !').toBe('is-A 5008ms t--B', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        t: 'setup b',
        B: 'active b S2',
      });
      expectObservable(errors$, '^ 5100ms !').toBe('');
    });
    expect(requestLog(model.transport)).toEqual([
      '1 setup ct-a',
      '5011 heartbeat S1',
      '5013 setup ct-b',
      '5101 teardown S2',
    ]);
  });

  it('a stop while a refused heartbeat is in flight sends no teardown either', () => {
    const model = ssmModel({ latency: 2, heartbeatSeconds: 1 });
    testScheduler().run(({ hot, expectObservable }) => {
      const { session$, errors$ } = ssmSession(
        {
          source$: hot('-a', { a }),
          stop$: hot('- 5011ms s'),
          appState$: hot('- 10ms g 4999ms f', { g: 'background', f: 'active' }),
        },
        { transport: model.transport },
      );
      expectObservable(labels(session$), '^ 5100ms !').toBe('is-A 5008ms di', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
        d: 'down a',
      });
      expectObservable(errors$, '^ 5100ms !').toBe('');
    });
    expect(requestLog(model.transport)).toEqual(['1 setup ct-a', '5011 heartbeat S1']);
  });
});

describe('against the reference server', () => {
  let spec: SpecServer | undefined;
  afterEach(async () => {
    await spec?.server.close();
  });

  it('a session that expired in the background, a zap during the catch-up heartbeat: no 6002', async () => {
    spec = await startSpecServer({ heartbeatSeconds: 0.1, responseDelayMs: 40 });
    const url = `${spec.origin}/acme/ssm`;
    const [tokenA, tokenB] = await Promise.all([
      spec.contentToken({ accountId: 'refused-heartbeat', contentId: 'a' }),
      spec.contentToken({ accountId: 'refused-heartbeat', contentId: 'b' }),
    ]);
    const source$ = new Subject<SsmSource>();
    const appState$ = new Subject<AppState>();
    const sent: string[] = [];
    const transport = axiosTransport();
    const { session$, errors$ } = ssmSession(
      { source$, appState$ },
      {
        transport: (request) => {
          sent.push(request.call);
          return transport(request);
        },
        minHeartbeatSeconds: 0.1,
      },
    );
    const errors: SsmError[] = [];
    const subscription = session$.subscribe();
    subscription.add(errors$.subscribe((error) => errors.push(error)));
    const active = (src: string) =>
      firstValueFrom(
        session$.pipe(filter((state) => state.status === 'active' && state.source.src === src)),
      );

    source$.next({ src: 'a', token: tokenA, ssmServerUrl: url });
    await active('a');
    appState$.next('background');
    spec.advance(1000); // the server expires the session: it was not renewed for two periods
    await new Promise((resolve) => setTimeout(resolve, 150));
    appState$.next('active'); // a heartbeat came due meanwhile: the catch-up one goes out now
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent.at(-1)).toBe('heartbeat');
    source$.next({ src: 'b', token: tokenB, ssmServerUrl: url }); // zap while it is in flight
    await active('b');
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(sent.slice(0, 3)).toEqual(['setup', 'heartbeat', 'setup']);
    expect(errors).toEqual([]);
    subscription.unsubscribe();
  });
});
