import { type Scenario, type TimedIntent, timeline } from './storm-scenario.js';

/** Values at frames, as a `TestScheduler.run` marble: `-a 40ms (bc)`. */
export function marble(events: ReadonlyArray<{ at: number; key: string }>): string {
  const frames = new Map<number, string[]>();
  for (const { at, key } of events) frames.set(at, [...(frames.get(at) ?? []), key]);
  let text = '';
  let cursor = 0;
  for (const [at, keys] of [...frames].sort(([x], [y]) => x - y)) {
    const gap = at - cursor;
    if (gap < 0) {
      throw new Error(`marble: ${keys.join('')} at frame ${at} overlaps the group before it`);
    }
    if (gap > 0) text += gap <= 3 ? '-'.repeat(gap) : ` ${gap}ms `;
    // A group takes as many frames as it has characters, parentheses included.
    const group = keys.length === 1 ? keys[0] : `(${keys.join('')})`;
    text += group;
    cursor = at + (group?.length ?? 0);
  }
  return text.trim();
}

/** The intent streams of a scenario as marbles. */
export interface StormMarbles {
  source: string;
  stop: string;
  play: string;
  app: string;
  fault: string;
  /** Frames of `expire` intents, which no marble stream can say. */
  expires: number[];
}

/** The marbles of `timed`, plus a final stop at `finalStopAt` when given. */
export function stormMarbles(timed: readonly TimedIntent[], finalStopAt?: number): StormMarbles {
  const of = (kind: TimedIntent['intent']['kind']) =>
    timed.filter(({ intent }) => intent.kind === kind);
  const keyed = (kind: TimedIntent['intent']['kind'], key: (intent: never) => string) =>
    of(kind).map(({ at, intent }) => ({ at, key: key(intent as never) }));
  const stops = keyed('stop', () => 's');
  if (finalStopAt !== undefined) stops.push({ at: finalStopAt, key: 's' });
  return {
    source: marble(keyed('source', (intent: { key: string }) => intent.key)),
    stop: marble(stops),
    play: marble(keyed('play', () => 'p')),
    app: marble(keyed('app', (intent: { key: string }) => intent.key)),
    fault: marble(keyed('fault', (intent: { key: string }) => intent.key)),
    expires: of('expire').map(({ at }) => at),
  };
}

/** Timing of a run in virtual time, in frames (1 frame = 1 ms of the scheduler). */
export interface StormTiming {
  start: number;
  heartbeatSeconds: number;
  tokenTimeoutMs: number;
  settle: number;
  afterEnd: number;
}

/** Timing of the virtual storm. */
export const VIRTUAL_TIMING: StormTiming = {
  /** The first intent comes this long after the subscription. */
  start: 1,
  heartbeatSeconds: 1,
  tokenTimeoutMs: 500,
  /** From the last intent to the check of the settled state and the final stop. */
  settle: 3000,
  /** From the final stop (or unsubscribe) to the final checks. */
  afterEnd: 2500,
};

/** The timing of the real-HTTP storm, to replay one of its runs in virtual time. */
export const HTTP_REPLAY_TIMING: StormTiming = {
  start: 1,
  heartbeatSeconds: 0.05,
  tokenTimeoutMs: 40,
  settle: 300,
  afterEnd: 300,
};

/** Frames of a virtual run of `scenario`. */
export function virtualFrames(scenario: Scenario, timing: StormTiming = VIRTUAL_TIMING) {
  const timed = timeline(scenario.steps, timing.start);
  const lastAt = timed.at(-1)?.at ?? timing.start;
  const endAt = lastAt + timing.settle;
  return {
    timed,
    /** The final stop, or the unsubscribe. */
    endAt,
    /** The settled state is read here, just before the end. */
    settledAt: endAt - 1,
    /** Final checks, then the unsubscribe of a run that ended with a stop. */
    checkAt: endAt + timing.afterEnd,
  };
}

/** What a run saw, for the printed counterexample. */
export interface StormObservation {
  requestLog: string[];
  /** `frame label` of the state read just before the end. */
  settled: string;
  /** `frame code message` of every error on `errors$`. */
  errors: string[];
  /** What the oracle expected the settled state to look like, as a label pattern. */
  expectedSettled: string;
  /** Sessions the server may hold at the end: 0, or those lost to failures. */
  expectedLive: number;
}

const quote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/**
 * The scenario as a ready-to-paste marble spec against `ssmModel`: the intents as `hot` marbles,
 * the request log the run produced, and the invariants as assertions (the violated ones fail).
 * For a real-HTTP run the same intents are replayed in virtual time, at the median latency.
 */
export function counterexampleSpec(input: {
  title: string;
  scenario: Scenario;
  violations: readonly string[];
  observation: StormObservation;
  /** `fc` seed and path, to replay the exact run. */
  replay?: string;
  /** Set for a real-HTTP run: its request log in ms, shown as a comment. */
  httpLog?: readonly string[];
  timing?: StormTiming;
}): string {
  const { scenario, observation } = input;
  const timing = input.timing ?? VIRTUAL_TIMING;
  const { timed, endAt, settledAt, checkAt } = virtualFrames(scenario, timing);
  const marbles = stormMarbles(timed, scenario.ending === 'stop' ? endAt : undefined);
  const latencies = [...scenario.latencies].sort((x, y) => x - y);
  const latency = input.httpLog
    ? Math.max(1, latencies[Math.floor(latencies.length / 2)] ?? 1)
    : (scenario.latencies[0] ?? 1);
  const end =
    scenario.ending === 'stop'
      ? `scheduler.schedule(() => subscription.unsubscribe(), ${checkAt});`
      : `scheduler.schedule(() => subscription.unsubscribe(), ${endAt});`;
  const lines = [
    "import { expect, it } from 'vitest';",
    "import { ssmSession } from '../../packages/rx-ssm/src/index.js';",
    "import { ssmModel } from '../../packages/rx-ssm/src/testing/index.js';",
    "import { label, requestLog, testScheduler } from '../support/marbles.js';",
    "import { STORM_APP_STATES, STORM_FAULTS, STORM_SOURCES } from '../support/storm-scenario.js';",
    '',
    `it(${quote(input.title)}, () => {`,
    ...input.violations.map((violation) => `  // violated: ${violation}`),
    ...(input.replay ? [`  // replay: ${input.replay}`] : []),
    ...(input.httpLog
      ? [
          '  // Found against the real server over HTTP; the same intents and timing, replayed in',
          '  // virtual time against ssmModel at the median latency.',
          ...(marbles.expires.length > 0
            ? [`  // The server's clock jumped (every session expired) at ${marbles.expires}.`]
            : []),
          '  // HTTP request log (ms):',
          ...input.httpLog.map((line) => `  //   ${line}`),
        ]
      : []),
    '  const scheduler = testScheduler();',
    `  const model = ssmModel({ latency: ${latency}, maxSessions: ${scenario.maxSessions}, heartbeatSeconds: ${timing.heartbeatSeconds}, scheduler });`,
    '  const states: string[] = [];',
    '  const errors: string[] = [];',
    "  let settled = '';",
    '  let live = -1;',
    '  scheduler.run(({ hot }) => {',
    `    const source$ = hot(${quote(marbles.source)}, STORM_SOURCES);`,
    `    const stop$ = hot(${quote(marbles.stop)});`,
    `    const play$ = hot(${quote(marbles.play)});`,
    `    const appState$ = hot(${quote(marbles.app)}, STORM_APP_STATES);`,
    `    hot(${quote(marbles.fault)}, STORM_FAULTS).subscribe(([call, fault]) => model.failNext(call, fault));`,
    '    const session = ssmSession(',
    '      { source$, stop$, play$, appState$ },',
    `      { transport: model.transport, syncMode: ${scenario.mode === 'sync'}, tokenTimeoutMs: ${timing.tokenTimeoutMs}, scheduler },`,
    '    );',
    '    const subscription = session.session$.subscribe((state) =>',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the printed spec
    '      states.push(`${scheduler.now()} ${label(state)}`),',
    '    );',
    '    subscription.add(',
    '      session.errors$.subscribe((error) =>',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal of the printed spec
    '        errors.push(`${scheduler.now()} ${error.code} ${error.message}`),',
    '      ),',
    '    );',
    `    scheduler.schedule(() => { settled = states.at(-1) ?? ''; }, ${settledAt});`,
    `    scheduler.schedule(() => { live = model.liveSessions(); }, ${checkAt});`,
    `    ${end}`,
    '  });',
    '  expect(requestLog(model.transport)).toEqual([',
    ...observation.requestLog.map((line) => `    ${quote(line)},`),
    '  ]);',
    `  expect(settled).toMatch(/^\\d+ ${observation.expectedSettled}$/);`,
    ...(scenario.ending === 'stop' ? ['  expect(states.at(-1)).toMatch(/ idle$/);'] : []),
    `  expect(live).toBe(${observation.expectedLive});`,
    `  expect(errors).toEqual([${observation.errors.map(quote).join(', ')}]);`,
    '});',
  ];
  return lines.join('\n');
}
