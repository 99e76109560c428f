import { describe, expect, it } from 'vitest';
import { labels, requestLog, ssmSource, testScheduler } from '../../../../spec/support/marbles.js';
import { ssmSession } from '../../src/index.js';
import { ok, refused, scriptedTransport } from '../../src/testing/index.js';

const a = ssmSource('a');

describe('setup with an idempotency key', () => {
  it('off by default: no Idempotency-Key header, and a setup with no answer is not sent again', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scriptedTransport((req) =>
        req.call === 'setup' ? cold('--#') : cold('-r|', { r: ok() }),
      );
      const { session$ } = ssmSession({ source$: hot('-a', { a }) }, { transport });
      expectObservable(labels(session$), '^ 100ms !').toBe('is-E', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
      });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a']);
    expect(Object.keys(transport.requests[0]?.request.headers ?? {})).not.toContain(
      'Idempotency-Key',
    );
  });

  it('a setup whose answer was lost is sent once more with the same key; one session results', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    let keys = 0;
    testScheduler().run(({ hot, cold, expectObservable }) => {
      let setups = 0;
      transport = scriptedTransport((req) => {
        if (req.call !== 'setup') return cold('-r|', { r: ok() });
        setups += 1;
        return setups === 1
          ? cold('--#')
          : cold('--r|', { r: ok({ sessionToken: 'S1', heartbeat: 5 }) });
      });
      const { session$ } = ssmSession(
        { source$: hot('-a', { a }) },
        { transport, setupIdempotencyKey: () => `key-${++keys}` },
      );
      expectObservable(labels(session$), '^ 100ms !').toBe('is---A', {
        i: 'idle',
        s: 'setup a',
        A: 'active a S1',
      });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a', '3 setup ct-a', '101 teardown S1']);
    const sentKeys = transport.requests.map((r) => r.request.headers['Idempotency-Key']);
    expect(sentKeys).toEqual(['key-1', 'key-1', undefined]);
  });

  it('a refusal (4xx) is not sent again, even with a key', () => {
    let transport = scriptedTransport(() => {
      throw new Error('unused');
    });
    testScheduler().run(({ hot, cold, expectObservable }) => {
      transport = scriptedTransport(() => cold('--r|', { r: refused(403, 1007) }));
      const { session$ } = ssmSession(
        { source$: hot('-a', { a }) },
        { transport, setupIdempotencyKey: () => 'k' },
      );
      expectObservable(labels(session$), '^ 100ms !').toBe('is-E', {
        i: 'idle',
        s: 'setup a',
        E: 'error a 6001',
      });
    });
    expect(requestLog(transport)).toEqual(['1 setup ct-a']);
  });
});
