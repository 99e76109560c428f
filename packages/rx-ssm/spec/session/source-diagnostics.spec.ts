import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { labels, ssmSource, testScheduler } from '../../../../spec/support/marbles.js';
import { type SsmDiagnostic, type SsmSource, ssmSession } from '../../src/index.js';
import { scriptedTransport } from '../../src/testing/index.js';

const noRequests = () =>
  scriptedTransport(() => {
    throw new Error('no request is expected');
  });

const said = (d: SsmDiagnostic) =>
  d.kind === 'source-unknown-key'
    ? `${d.kind} ${d.key}${d.didYouMean ? ` → ${d.didYouMean}` : ''}`
    : d.kind === 'source-without-ssm'
      ? `${d.kind} ${d.source.src}`
      : d.kind;

const environment = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = environment;
});

describe('a source that looks wrong is reported on diagnostics$ (development builds)', () => {
  const misspelt = { src: 'a.mpd', token: 'ct-a', ssmServerURL: 'https://ssm.test/ssm' };

  it('a misspelt ssmServerUrl: the key, the key it means, and that the source has no SSM; once per src', () => {
    const transport = noRequests();
    testScheduler().run(({ hot, expectObservable }) => {
      const session = ssmSession(
        {
          source$: hot('-a-a-b', {
            a: misspelt as SsmSource,
            b: ssmSource('b', { token: undefined }),
          }),
        },
        { transport, tokenTimeoutMs: 10_000 },
      );
      expectObservable(session.diagnostics$.pipe(map(said)), '^ 10ms !').toBe('-(uw)', {
        u: 'source-unknown-key ssmServerURL → ssmServerUrl',
        w: 'source-without-ssm a.mpd',
      });
      expectObservable(labels(session.session$), '^ 10ms !').toBe('i----w', {
        i: 'idle',
        w: 'wait b',
      });
    });
    expect(transport.requests).toEqual([]);
  });

  it('an unknown key with no known key like it is reported without a guess', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const session = ssmSession(
        { source$: hot('-a', { a: { ...ssmSource('a'), title: 'Channel 1' } as SsmSource }) },
        { transport: scriptedTransport(() => hot('')) },
      );
      expectObservable(session.diagnostics$.pipe(map(said)), '^ 10ms !').toBe('-u', {
        u: 'source-unknown-key title',
      });
    });
  });

  it('a production build (NODE_ENV=production) reports nothing and still stays idle', () => {
    process.env.NODE_ENV = 'production';
    testScheduler().run(({ hot, expectObservable }) => {
      const session = ssmSession(
        { source$: hot('-a', { a: misspelt as SsmSource }) },
        { transport: noRequests() },
      );
      expectObservable(session.diagnostics$, '^ 10ms !').toBe('');
      expectObservable(labels(session.session$), '^ 10ms !').toBe('i', { i: 'idle' });
    });
  });
});
