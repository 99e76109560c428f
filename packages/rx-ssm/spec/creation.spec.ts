import * as rxjs from 'rxjs';
import { describe, it } from 'vitest';
import { testScheduler } from '../../../spec/support/marbles.js';
import { concat, merge, of, startWith } from '../src/creation.js';

// Each is checked against rxjs's own on the same diagrams: same values, same frames, same
// completion and error, same subscription windows of the sources.
describe('of, merge, concat and startWith without a scheduler', () => {
  it('of emits its values at once and completes, as rxjs of does', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(of(1, 2, 3)).toBe('(abc|)', { a: 1, b: 2, c: 3 });
      expectObservable(rxjs.of(1, 2, 3)).toBe('(abc|)', { a: 1, b: 2, c: 3 });
      expectObservable(of()).toBe('|');
    });
  });

  it('merge subscribes to every source at once and ends with the last, as rxjs merge does', () => {
    for (const merged of [merge, rxjs.merge]) {
      testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const a = hot('-a---c-|');
        const b = cold('--b-d|');
        expectObservable(merged(a, b)).toBe('-ab-dc-|');
        expectSubscriptions(a.subscriptions).toBe('^------!');
        expectSubscriptions(b.subscriptions).toBe('^----!');
      });
      testScheduler().run(({ cold, expectObservable }) => {
        expectObservable(merged(cold('-a-#'), cold('--b-c'))).toBe('-ab#');
      });
    }
  });

  it('concat subscribes to each source when the one before completes, as rxjs concat does', () => {
    for (const concatenated of [concat, rxjs.concat]) {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('-a|');
        const b = cold('--b|');
        expectObservable(concatenated(a, b)).toBe('-a--b|');
        expectSubscriptions(a.subscriptions).toBe('^-!');
        expectSubscriptions(b.subscriptions).toBe('--^--!');
      });
      testScheduler().run(({ cold, expectObservable }) => {
        expectObservable(concatenated(cold('-#'), cold('-b|'))).toBe('-#');
      });
    }
  });

  it('startWith emits its value on subscribe, then the source, as rxjs startWith does', () => {
    const withValue = [
      startWith<string>('s'),
      rxjs.startWith<string, ['s']>('s'),
    ] as rxjs.OperatorFunction<string, string>[];
    for (const first of withValue) {
      testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const source = hot('--a--b-|');
        expectObservable(source.pipe(first)).toBe('s-a--b-|');
        expectSubscriptions(source.subscriptions).toBe('^------!');
      });
    }
  });
});
