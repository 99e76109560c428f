import { Subject } from 'rxjs';
import type {
  AppState,
  SsmError,
  SsmSource,
  SsmState,
  SsmTransport,
} from '../../packages/rx-ssm/src/index.js';
import { ssmSession } from '../../packages/rx-ssm/src/index.js';
import { label } from './marbles.js';
import { sessionLedger } from './session-ledger.js';

/** One pipeline driven by hand in real time, with everything it did on record. */
export interface PipelineHarness {
  source$: Subject<SsmSource | null>;
  play$: Subject<void>;
  stop$: Subject<void>;
  appState$: Subject<AppState>;
  readonly states: SsmState[];
  readonly errors: SsmError[];
  readonly ledger: ReturnType<typeof sessionLedger>;
  last(): SsmState | undefined;
  /** Resolves once `predicate` holds for the latest state; rejects after `ms` with what it saw. */
  until(predicate: (state: SsmState) => boolean, what: string, ms?: number): Promise<SsmState>;
  /** Resolves once `condition()` holds; rejects after `ms`. */
  waitFor(condition: () => boolean, what: string, ms?: number): Promise<void>;
  unsubscribe(): void;
}

/** Starts a pipeline on `transport`; its requests are recorded by a {@link sessionLedger}. */
export function pipelineHarness(
  transport: SsmTransport,
  options: { syncMode?: boolean; heartbeatRetries?: number } = {},
): PipelineHarness {
  const started = performance.now();
  const ledger = sessionLedger(transport, {
    now: () => Math.round(performance.now() - started),
    mode: options.syncMode ? 'sync' : 'async',
  });
  const source$ = new Subject<SsmSource | null>();
  const play$ = new Subject<void>();
  const stop$ = new Subject<void>();
  const appState$ = new Subject<AppState>();
  const session = ssmSession(
    { source$, play$, stop$, appState$ },
    {
      transport: ledger.transport,
      syncMode: options.syncMode ?? false,
      heartbeatRetries: options.heartbeatRetries ?? 2,
      // The servers of these specs renew every few tens of ms, far below the SDK's 1 s floor.
      minHeartbeatSeconds: 0.01,
    },
  );
  const states: SsmState[] = [];
  const errors: SsmError[] = [];
  const subscription = session.session$.subscribe((state) => {
    states.push(state);
    ledger.observe(state);
  });
  subscription.add(session.errors$.subscribe((error) => errors.push(error)));

  async function waitFor(condition: () => boolean, what: string, ms = 3000): Promise<void> {
    const deadline = performance.now() + ms;
    while (!condition()) {
      if (performance.now() > deadline) {
        const seen = states.map(label).join(' → ');
        throw new Error(
          `waited ${ms} ms for ${what}; states: ${seen}; requests:\n${ledger.requestLog().join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  }

  return {
    source$,
    play$,
    stop$,
    appState$,
    states,
    errors,
    ledger,
    last: () => states.at(-1),
    async until(predicate, what, ms) {
      await waitFor(() => states.length > 0 && predicate(states.at(-1) as SsmState), what, ms);
      return states.at(-1) as SsmState;
    },
    waitFor,
    unsubscribe: () => subscription.unsubscribe(),
  };
}
