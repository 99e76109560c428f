import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { licenceScenario, runLicenceStorm } from '../support/licence-storm.js';

/** Runs: `RX_SSM_LICENCE_STORM_RUNS` (default 1500); `RX_SSM_STORM_SEED` replays a seed. */
const RUNS = Number(process.env.RX_SSM_LICENCE_STORM_RUNS ?? 1500);
const seed = process.env.RX_SSM_STORM_SEED ? Number(process.env.RX_SSM_STORM_SEED) : undefined;

/**
 * Model-based storms of sessions renewed by their licence (spec/support/licence-storm.ts): random
 * zaps, stops, plays, background stretches, remote stops and lost licence answers, with a
 * PlayReady or a Widevine player renewing as the adapters do. A failure prints the scenario,
 * its states, errors and requests.
 */
describe('licence-mode storm', () => {
  it(`keeps every invariant over ${RUNS} random runs`, () => {
    let calm = 0;
    let lateAnswers = 0;
    fc.assert(
      fc.property(licenceScenario(), (scenario) => {
        const outcome = runLicenceStorm(scenario);
        if (outcome.calm) calm += 1;
        lateAnswers += outcome.lateAnswers;
        if (outcome.violations.length === 0) return true;
        throw new Error(
          [
            ...outcome.violations,
            `scenario: ${JSON.stringify(scenario)}`,
            'states:',
            ...outcome.states,
            'errors:',
            ...outcome.errors,
            'requests:',
            ...outcome.requests,
          ].join('\n'),
        );
      }),
      { numRuns: RUNS, seed, endOnFailure: true },
    );
    console.info(
      `licence-mode storm: ${RUNS} runs, ${calm} calm, ${lateAnswers} licence answer(s) after their session that the SDK could not take`,
    );
    expect(calm).toBeGreaterThan(0);
  }, 120_000);
});
