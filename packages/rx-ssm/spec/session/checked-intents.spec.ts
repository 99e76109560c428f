import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ssmSource } from '../../../../spec/support/marbles.js';
import { ssmSession as ssmSessionOnFetch } from '../../src/fetch.js';
import { type SsmIntents, ssmSession } from '../../src/index.js';

/** Calls `ssmSession` with whatever an app written without types might pass. */
const untyped =
  (factory: typeof ssmSession, ...args: unknown[]) =>
  () =>
    (factory as (...given: unknown[]) => unknown)(...args);

describe.each([
  ['rx-ssm', ssmSession],
  ['rx-ssm/fetch', ssmSessionOnFetch],
])('intents and options are checked at the call (%s)', (_entry, factory) => {
  it('no intents at all: a TypeError at the call that says what is expected', () => {
    expect(untyped(factory)).toThrow(TypeError);
    expect(untyped(factory)).toThrow(
      'ssmSession: intents must be an object with a source$ (an Observable of SsmSource | null), got undefined',
    );
  });

  it('intents without source$: a TypeError naming source$, before anything subscribes', () => {
    expect(untyped(factory, {})).toThrow(
      'ssmSession: intents.source$ must be an Observable of SsmSource | null, got undefined',
    );
    expect(untyped(factory, { source$: [ssmSource('a')] })).toThrow('got an array');
  });

  it('an optional intent that is not an Observable is named', () => {
    const source$ = of(ssmSource('a'));
    expect(untyped(factory, { source$, play$: 5 })).toThrow(
      'intents.play$ must be an Observable, got number',
    );
    expect(untyped(factory, { source$, appState$: 'active' })).toThrow('intents.appState$');
    expect(untyped(factory, { source$, licence$: {} })).toThrow('intents.licence$');
  });

  it('options of the wrong type are named', () => {
    const intents: SsmIntents = { source$: of(ssmSource('a')) };
    expect(untyped(factory, intents, 5)).toThrow('options must be an object, got number');
    expect(untyped(factory, intents, { tokenTimeoutMs: '300' })).toThrow(
      'options.tokenTimeoutMs must be a finite number ≥ 0, got string',
    );
    expect(untyped(factory, intents, { heartbeatRetries: -1 })).toThrow('options.heartbeatRetries');
    expect(untyped(factory, intents, { transport: {} })).toThrow(
      'options.transport must be a function, got object',
    );
    expect(untyped(factory, intents, { syncMode: 'yes' })).toThrow(
      'options.syncMode must be a boolean',
    );
    expect(untyped(factory, intents, { scheduler: {} })).toThrow(
      'options.scheduler must be an rxjs SchedulerLike',
    );
  });

  it('a production build throws the same TypeErrors, naming the field alone', () => {
    const environment = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const intents: SsmIntents = { source$: of(ssmSource('a')) };
      expect(untyped(factory)).toThrow(new TypeError('ssmSession: intents is not valid'));
      expect(untyped(factory, {})).toThrow('ssmSession: intents.source$ is not valid');
      expect(untyped(factory, { ...intents, stop$: 5 })).toThrow('intents.stop$ is not valid');
      expect(untyped(factory, intents, 5)).toThrow('ssmSession: options is not valid');
      expect(untyped(factory, intents, { syncMode: 'yes' })).toThrow(TypeError);
      expect(untyped(factory, intents, { syncMode: 'yes' })).toThrow(
        'options.syncMode is not valid',
      );
    } finally {
      process.env.NODE_ENV = environment;
    }
  });

  it('valid intents and options pass', () => {
    expect(() =>
      factory({ source$: of(null) }, { syncMode: true, tokenTimeoutMs: 0 }),
    ).not.toThrow();
  });
});

describe('the type of a source passed through of(...)', () => {
  it('catches a key misspelt by case, and lets an app’s own keys through', () => {
    // Checked by tsc (npm run lint): each @ts-expect-error fails the build if the line compiles.
    // @ts-expect-error ssmServerURL is not a key of SsmSource: check its case
    ssmSession({ source$: of({ src: 'a', ssmServerURL: 'https://ssm.test/ssm' }) });
    // @ts-expect-error Token is not a key of SsmSource: check its case
    ssmSession({ source$: of({ src: 'a', Token: 'ct' }) });
    const session = ssmSession({
      source$: of({ src: 'a', ssmServerUrl: 'https://ssm.test/ssm', title: 'Channel 1' }),
    });
    expect(session.session$).toBeDefined();
  });
});
