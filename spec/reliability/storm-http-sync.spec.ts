import { afterAll, beforeAll, expect, it } from 'vitest';
import { type HttpStormBench, runHttpStorm, startHttpStormBench } from '../support/http-storm.js';
import { checkStorm, describeSummary, STORM_RUNS } from '../support/storm-check.js';
import { HTTP_REPLAY_TIMING } from '../support/storm-marbles.js';
import { type Scenario, scenarioArbitrary } from '../support/storm-scenario.js';
import { runVirtualStorm } from '../support/virtual-storm.js';

/**
 * The model-based storm in real time, sync mode: random intents against the reference server
 * (memory store, in this process) over real HTTP with the default axios transport, through a
 * proxy that delays each request by 0–15 ms. The server's clock moves only by `expire` intents,
 * which make every session expire at once. See spec/support/http-storm.ts for the checks.
 */
let bench: HttpStormBench;
beforeAll(async () => {
  bench = await startHttpStormBench();
});
afterAll(async () => {
  await bench?.close();
});

/** A failure is printed as the same intents and timing in virtual time, at the median latency. */
function replayedInVirtualTime(scenario: Scenario) {
  const latencies = [...scenario.latencies].sort((x, y) => x - y);
  const median = Math.max(1, latencies[Math.floor(latencies.length / 2)] ?? 1);
  return runVirtualStorm({ ...scenario, latencies: [median] }, HTTP_REPLAY_TIMING);
}

it(
  `keeps every invariant over ${STORM_RUNS.http} random runs against the real server`,
  async () => {
    const arbitrary = scenarioArbitrary({
      maxGap: 40,
      maxSteps: 6,
      latency: [0, 15],
      latencyCount: 8,
      expire: true,
      faults: false,
      modes: ['sync'],
    });
    const title = 'HTTP storm, sync';
    const summary = await checkStorm(
      title,
      arbitrary,
      (scenario) => runHttpStorm(bench, scenario),
      {
        numRuns: STORM_RUNS.http,
        printed: replayedInVirtualTime,
        timing: HTTP_REPLAY_TIMING,
      },
    );
    console.info(describeSummary(title, summary));
    expect(summary.runs).toBe(STORM_RUNS.http);
  },
  120_000 + STORM_RUNS.http * 2_000,
);
