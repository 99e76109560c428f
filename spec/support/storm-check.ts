import fc from 'fast-check';
import { counterexampleSpec, type StormObservation, type StormTiming } from './storm-marbles.js';
import type { Scenario } from './storm-scenario.js';

/** Runs of each storm: `RX_SSM_STORM_RUNS` (virtual time), `RX_SSM_HTTP_STORM_RUNS` (real HTTP). */
export const STORM_RUNS = {
  virtual: Number(process.env.RX_SSM_STORM_RUNS ?? 2500),
  http: Number(process.env.RX_SSM_HTTP_STORM_RUNS ?? 150),
};

/** `RX_SSM_STORM_SEED` replays the runs of a seed a failure printed. */
const seed = process.env.RX_SSM_STORM_SEED ? Number(process.env.RX_SSM_STORM_SEED) : undefined;

/** What a storm run reports back to {@link checkStorm}. */
export interface RunReport {
  violations: readonly string[];
  observation: StormObservation;
  stats: { calm: boolean; granted: number; peak: number; errors: number };
  /** Real-HTTP runs: their request log in ms. */
  httpLog?: readonly string[];
}

/** Tallies of a whole storm, for its summary line. */
export interface StormSummary {
  runs: number;
  calm: number;
  sessions: number;
  errors: number;
  /** Runs by the most sessions the server held at once for the pipeline. */
  peaks: Record<number, number>;
  ms: number;
}

/**
 * Checks `run` on `numRuns` random scenarios. On a failure, fast-check shrinks the scenario and
 * the error message is the shrunk run as a ready-to-paste marble spec, with its seed and path.
 */
export async function checkStorm(
  title: string,
  arbitrary: fc.Arbitrary<Scenario>,
  run: (scenario: Scenario) => RunReport | Promise<RunReport>,
  options: {
    numRuns: number;
    /** The run whose observation is printed (a real-HTTP run replays in virtual time). */
    printed?: (scenario: Scenario) => RunReport | Promise<RunReport>;
    /** Timing of the printed virtual replay. */
    timing?: StormTiming;
  },
): Promise<StormSummary> {
  const started = performance.now();
  const summary: StormSummary = { runs: 0, calm: 0, sessions: 0, errors: 0, peaks: {}, ms: 0 };
  // A real-time run may not fail again when replayed: the report of the failing run is kept.
  const failures = new WeakMap<Scenario, RunReport>();
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (scenario) => {
      const report = await run(scenario);
      if (report.violations.length > 0) failures.set(scenario, report);
      summary.runs += 1;
      summary.calm += report.stats.calm ? 1 : 0;
      summary.sessions += report.stats.granted;
      summary.errors += report.stats.errors;
      summary.peaks[report.stats.peak] = (summary.peaks[report.stats.peak] ?? 0) + 1;
      return report.violations.length === 0;
    }),
    { numRuns: options.numRuns, ...(seed !== undefined && { seed }) },
  );
  summary.ms = Math.round(performance.now() - started);
  if (!details.failed) return summary;
  const scenario = details.counterexample?.[0];
  if (!scenario)
    throw details.errorInstance ?? new Error(`${title}: failed without a counterexample`);
  const report = failures.get(scenario) ?? (await run(scenario));
  const printed = options.printed ? await options.printed(scenario) : report;
  const replay = `RX_SSM_STORM_SEED=${details.seed} (fast-check path "${details.counterexamplePath}")`;
  const spec = counterexampleSpec({
    title: `${title}: ${report.violations[0] ?? 'counterexample'}`,
    scenario,
    violations: report.violations,
    observation: printed.observation,
    replay,
    ...(report.httpLog && { httpLog: report.httpLog }),
    ...(options.timing && { timing: options.timing }),
  });
  throw new Error(
    `${title} failed after ${details.numRuns} runs, shrunk in ${details.numShrinks} steps.\n` +
      `Scenario: ${JSON.stringify(scenario)}\n\nAs a marble spec:\n\n${spec}\n`,
  );
}

/** One line for the test log: how much the storm exercised. */
export function describeSummary(title: string, summary: StormSummary): string {
  const peaks = Object.entries(summary.peaks)
    .map(([peak, runs]) => `${runs}×${peak}`)
    .join(' ');
  return (
    `${title}: ${summary.runs} runs in ${summary.ms} ms (${summary.calm} calm), ` +
    `${summary.sessions} sessions, ${summary.errors} SSM errors, peak live sessions: ${peaks}`
  );
}
