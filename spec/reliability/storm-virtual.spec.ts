import { describe, expect, it } from 'vitest';
import { checkStorm, describeSummary, STORM_RUNS } from '../support/storm-check.js';
import { scenarioArbitrary } from '../support/storm-scenario.js';
import { runVirtualStorm } from '../support/virtual-storm.js';

/**
 * Model-based storms in virtual time: random intents (sources with and without token, null, a
 * source without SSM, play, stop, app state) and scripted server faults, against `ssmModel` in
 * `TestScheduler` virtual time. Cheap enough for many runs; the same invariants as the real-HTTP
 * storm (spec/reliability/storm-http-*.spec.ts), which runs fewer.
 */
describe.each(['async', 'sync'] as const)('virtual storm, %s', (mode) => {
  it(
    `keeps every invariant over ${STORM_RUNS.virtual} random runs`,
    async () => {
      const arbitrary = scenarioArbitrary({
        maxGap: 1500,
        maxSteps: 8,
        latency: [1, 20],
        latencyCount: 1,
        expire: false,
        faults: true,
        modes: [mode],
      });
      const summary = await checkStorm(`virtual storm, ${mode}`, arbitrary, runVirtualStorm, {
        numRuns: STORM_RUNS.virtual,
      });
      console.info(describeSummary(`virtual storm, ${mode}`, summary));
      expect(summary.runs).toBe(STORM_RUNS.virtual);
    },
    60_000 + STORM_RUNS.virtual * 50,
  );
});
