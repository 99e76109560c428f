import {
  SsmError,
  SsmErrorCode,
  type SsmSession,
  type SsmSource,
  type SsmState,
} from '../../packages/rx-ssm/src/index.js';
import { label } from './marbles.js';
import type { Exchange, SessionLedger } from './session-ledger.js';
import type { SettledExpectation } from './storm-scenario.js';

const CODE_OF_KIND = {
  setup: SsmErrorCode.Setup,
  teardown: SsmErrorCode.Teardown,
  heartbeat: SsmErrorCode.Heartbeat,
  account: SsmErrorCode.Account,
} as const;

/** The pipeline as the app sees it: every state and error, with the time it came. */
export interface PipelineWatch {
  readonly states: ReadonlyArray<{ at: number; state: SsmState }>;
  readonly errors: ReadonlyArray<{ at: number; error: SsmError }>;
  last(): SsmState | undefined;
  unsubscribe(): void;
  /**
   * End-of-run checks: every error is explained by a failed response (or a token timeout), a
   * calm run has no error but token timeouts, fatal errors are exactly the `error` states, and
   * `authorization$` agrees with the last state.
   */
  finalChecks(calm: boolean): void;
}

export const isTokenTimeout = (error: SsmError) =>
  error.kind === 'setup' &&
  error.httpStatus === undefined &&
  /no content token/.test(error.message);

/**
 * Subscribes to `session$`, `errors$` and `authorization$` and checks, as they come, that
 * `session$` neither errors nor completes, that each state describes the source wanted at that
 * moment (`wanted()`), that each error is a well-formed `SsmError`, and feeds the ledger.
 */
export function watchPipeline(
  session: SsmSession,
  options: {
    now: () => number;
    ledger: SessionLedger;
    wanted: () => SsmSource | null;
    violate: (message: string) => void;
  },
): PipelineWatch {
  const { now, ledger, wanted, violate } = options;
  const states: Array<{ at: number; state: SsmState }> = [];
  const errors: Array<{ at: number; error: SsmError }> = [];
  let authorization: string | null | undefined;

  const subscription = session.session$.subscribe({
    next: (state) => {
      states.push({ at: now(), state });
      ledger.observe(state);
      const source = wanted();
      if (source === null) {
        if (state.status !== 'idle' && state.status !== 'tearing-down') {
          violate(`${label(state)} while no session is wanted`);
        }
      } else if (
        state.status === 'idle' ||
        state.status === 'tearing-down' ||
        state.source.src !== source.src
      ) {
        violate(`${label(state)} while ${source.src} is wanted`);
      }
      if (
        state.status === 'active' &&
        state.authorization !== `${state.source.token},${state.sessionToken}`
      ) {
        violate(`active with authorization ${state.authorization}`);
      }
    },
    error: (error: unknown) => violate(`session$ errored: ${String(error)}`),
    complete: () => violate('session$ completed'),
  });
  subscription.add(
    session.errors$.subscribe({
      next: (error) => {
        errors.push({ at: now(), error });
        if (!(error instanceof SsmError)) {
          violate(`errors$ emitted a ${String(error)}, not an SsmError`);
          return;
        }
        if (error.code !== CODE_OF_KIND[error.kind]) {
          violate(`${error.kind} error with code ${error.code}`);
        }
        if (error.fatal !== (error.kind !== 'teardown')) {
          violate(`${error.kind} error with fatal ${error.fatal}`);
        }
        if (!error.source) violate(`${error.code} error without its source`);
      },
      error: (error: unknown) => violate(`errors$ errored: ${String(error)}`),
    }),
  );
  subscription.add(
    session.authorization$.subscribe((value) => {
      authorization = value;
    }),
  );

  return {
    states,
    errors,
    last: () => states.at(-1)?.state,
    unsubscribe: () => subscription.unsubscribe(),
    finalChecks(calm) {
      const unused = [...ledger.exchanges];
      for (const { at, error } of errors) {
        if (isTokenTimeout(error)) continue;
        if (calm) violate(`a calm run reported ${error.code}: ${error.message}`);
        const cause = lastIndexWhere(unused, (exchange) => explains(exchange, error, at));
        if (cause < 0) violate(`${error.code} "${error.message}" matches no failed response`);
        else unused.splice(cause, 1);
      }
      const fatal = errors.map(({ error }) => error).filter((error) => error.fatal);
      const shown = states.flatMap(({ state }) => (state.status === 'error' ? [state.error] : []));
      if (fatal.length !== shown.length || fatal.some((error, i) => error !== shown[i])) {
        violate(
          `fatal errors on errors$ (${fatal.length}) are not the error states (${shown.length})`,
        );
      }
      const last = states.at(-1)?.state;
      const expected = last?.status === 'active' ? last.authorization : null;
      if (authorization !== expected) {
        violate(`authorization$ is ${authorization} while the state is ${last && label(last)}`);
      }
    },
  };
}

function lastIndexWhere<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i -= 1) if (predicate(items[i] as T)) return i;
  return -1;
}

/** A failed exchange that `error` reports: same call, same status (or no response), not later. */
function explains(exchange: Exchange, error: SsmError, at: number): boolean {
  if (exchange.call !== error.kind || (exchange.answeredAt ?? Infinity) > at) return false;
  if (error.httpStatus === undefined) return exchange.noResponse === true;
  if (exchange.status !== error.httpStatus) return false;
  const code =
    typeof exchange.body === 'object' && exchange.body !== null
      ? (exchange.body as { errorCode?: unknown }).errorCode
      : undefined;
  return error.serverCode === undefined || code === error.serverCode;
}

/** Whether `state` is what `expectation` allows once everything settled. */
export function settledAsExpected(state: SsmState | undefined, expectation: SettledExpectation) {
  if (!state) return false;
  if (expectation.src === null) return state.status === 'idle';
  if (state.status === 'idle' || state.status === 'tearing-down') return false;
  if (state.source.src !== expectation.src) return false;
  if (!expectation.tokened) return state.status === 'error' && isTokenTimeout(state.error);
  if (state.status === 'active') return true;
  return expectation.disturbed && state.status === 'error';
}

/** The settled state the oracle expects, as a pattern over `label(state)`. */
export function settledPattern(expectation: SettledExpectation): string {
  if (expectation.src === null) return 'idle';
  const name = expectation.src.replace(/\.mpd$/, '');
  if (!expectation.tokened) return `error ${name} 6001`;
  return expectation.disturbed
    ? `(active ${name} \\S+|error ${name} 600[13])`
    : `active ${name} \\S+`;
}
