import { transform } from 'esbuild';
import fc from 'fast-check';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { ssmSession } from '../../packages/rx-ssm/src/index.js';
import { ssmModel } from '../../packages/rx-ssm/src/testing/index.js';
import { label, requestLog, testScheduler } from '../support/marbles.js';
import { counterexampleSpec, marble, VIRTUAL_TIMING } from '../support/storm-marbles.js';
import {
  MIN_GAP,
  type Scenario,
  STORM_APP_STATES,
  STORM_FAULTS,
  STORM_SOURCES,
  type Step,
  scenarioArbitrary,
  settledExpectation,
} from '../support/storm-scenario.js';
import { runVirtualStorm } from '../support/virtual-storm.js';

const shape = {
  maxGap: 1500,
  maxSteps: 8,
  latency: [1, 20] as [number, number],
  latencyCount: 1,
  expire: false,
  faults: true,
  modes: ['async', 'sync'] as Array<'async' | 'sync'>,
};

describe('marble', () => {
  it('reads back, through TestScheduler.parseMarbles, as the same values at the same frames', () => {
    const events = fc
      .array(
        fc.record({
          gap: fc.oneof(fc.constant(0), fc.integer({ min: MIN_GAP, max: 3000 })),
          key: fc.constantFrom('a', 'b', 'c', 'n'),
        }),
        { maxLength: 8 },
      )
      .map((list) => {
        let at = 0;
        return list.map(({ gap, key }) => {
          at += gap;
          return { at, key };
        });
      });
    fc.assert(
      fc.property(events, (timed) => {
        // Inside `run`, as the specs use them: one frame per character.
        const parsed = testScheduler().run(() =>
          TestScheduler.parseMarbles(marble(timed), undefined, undefined, true, true),
        );
        const read = parsed.map((message) => ({
          at: message.frame,
          key: message.notification.kind === 'N' ? message.notification.value : '?',
        }));
        expect(read).toEqual(timed);
      }),
      { numRuns: 300 },
    );
  });

  it('writes short gaps as dashes, long ones as time progressions, same-frame values as a group', () => {
    expect(
      marble([
        { at: 1, key: 'a' },
        { at: 41, key: 'b' },
        { at: 41, key: 'c' },
        { at: 45, key: 'd' },
      ]),
    ).toBe('-a 39ms (bc)d');
  });
});

const step = (gap: number, intent: Step['intent']): Step => ({ gap, intent });
const source = (key: 'a' | 'b' | 'A' | 'n' | 'p') => ({ kind: 'source', key }) as const;
const expectation = (steps: Step[]) => settledExpectation(steps, { expiryMs: 900, endAt: 10_000 });

describe('the oracle', () => {
  it('a late token starts the one run of its source; a re-emitted source starts nothing', () => {
    expect(
      expectation([step(10, source('A')), step(10, source('a')), step(10, source('a'))]),
    ).toEqual({ src: 'a.mpd', tokened: true, runs: 1, disturbed: false, calm: true });
  });

  it('a stop holds through the same src, ends with play or another source; null and plain are idle', () => {
    const stopped = [step(10, source('a')), step(10, { kind: 'stop' }), step(10, source('a'))];
    expect(expectation(stopped)).toMatchObject({ src: null, runs: 1 });
    expect(expectation([...stopped, step(10, { kind: 'play' })])).toMatchObject({
      src: 'a.mpd',
      runs: 2,
    });
    expect(expectation([...stopped, step(10, source('b'))])).toMatchObject({
      src: 'b.mpd',
      runs: 2,
    });
    expect(expectation([step(10, source('a')), step(10, source('p'))])).toMatchObject({
      src: null,
    });
  });

  it('a source still waiting for its token settles in the token timeout error', () => {
    expect(expectation([step(10, source('a')), step(10, source('A'))])).toMatchObject({
      src: 'a.mpd',
      tokened: true,
    });
    expect(expectation([step(10, source('b')), step(10, source('A'))])).toMatchObject({
      src: 'a.mpd',
      tokened: false,
    });
  });

  it('a fault anywhere, or a long background stretch in the last session, may end it in an error', () => {
    expect(
      expectation([step(10, { kind: 'fault', key: 'd' }), step(10, source('a'))]),
    ).toMatchObject({
      disturbed: true,
      calm: false,
    });
    const background = [
      step(10, source('a')),
      step(10, { kind: 'app', key: 'b' }),
      step(1000, { kind: 'app', key: 'f' }),
    ];
    expect(expectation(background)).toMatchObject({ disturbed: true, calm: false });
    expect(expectation([...background, step(10, source('b'))])).toMatchObject({
      disturbed: false,
      calm: false,
    });
  });
});

/** The body of a printed spec as a function of what it imports, compiled from TypeScript. */
async function compiledBody(printed: string) {
  const body = printed
    .split('\n')
    .filter((line) => !line.startsWith('import '))
    .join('\n');
  const { code } = await transform(body, { loader: 'ts' });
  const names = [
    'it',
    'expect',
    'ssmSession',
    'ssmModel',
    'label',
    'requestLog',
    'testScheduler',
    'STORM_APP_STATES',
    'STORM_FAULTS',
    'STORM_SOURCES',
  ];
  return new Function(`{ ${names.join(', ')} }`, code) as (deps: object) => void;
}

describe('a printed counterexample', () => {
  it('is a spec that replays its run: same request log, same settled state, same errors', async () => {
    const scenarios = fc.sample(scenarioArbitrary(shape), { numRuns: 60, seed: 7 });
    for (const scenario of scenarios as Scenario[]) {
      const outcome = runVirtualStorm(scenario);
      expect(outcome.violations).toEqual([]);
      const printed = counterexampleSpec({
        title: 'replays its run',
        scenario,
        violations: [],
        observation: outcome.observation,
        timing: VIRTUAL_TIMING,
      });
      const replay = await compiledBody(printed);
      let ran = 0;
      replay({
        it: (_title: string, body: () => void) => {
          body();
          ran += 1;
        },
        expect,
        ssmSession,
        ssmModel,
        label,
        requestLog,
        testScheduler,
        STORM_APP_STATES,
        STORM_FAULTS,
        STORM_SOURCES,
      });
      expect(ran).toBe(1);
    }
  });
});
