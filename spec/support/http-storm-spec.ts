import { afterAll, beforeAll, expect, it } from 'vitest';
import { type HttpStormBench, runHttpStorm, startHttpStormBench } from './http-storm.js';
import { checkStorm, describeSummary, STORM_RUNS } from './storm-check.js';
import { HTTP_REPLAY_TIMING } from './storm-marbles.js';
import { type Scenario, scenarioArbitrary } from './storm-scenario.js';
import { runVirtualStorm } from './virtual-storm.js';

/**
 * Registers the model-based storm in real time for one mode: random intents against the
 * reference server (memory store, in this process) over real HTTP with the default axios
 * transport, through a proxy that delays each request by 0–15 ms. The server's clock moves
 * only by `expire` intents, which make every session expire at once. One spec file per mode
 * lets the two run in parallel workers.
 */
export function httpStormSpec(mode: 'async' | 'sync'): void {
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
        modes: [mode],
      });
      const title = `HTTP storm, ${mode}`;
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
}
