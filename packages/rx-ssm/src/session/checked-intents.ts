import type { SsmIntents, SsmOptions } from '../types.js';

const INTENTS = ['play$', 'stop$', 'appState$', 'licence$'] as const;

const isObservable = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { subscribe?: unknown }).subscribe === 'function' &&
  typeof (value as { pipe?: unknown }).pipe === 'function';

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

/**
 * Throws a `TypeError` that names what is wrong, at the call, for intents or options an app
 * got wrong: a missing `source$`, an intent that is not an Observable, an option of the wrong
 * type. Without it the mistake would surface only on subscribe, as an rxjs `TypeError` that
 * names nothing of the app's.
 */
export function checkIntents(intents: unknown, options: unknown): asserts intents is SsmIntents {
  if (typeof intents !== 'object' || intents === null) {
    throw new TypeError(
      `ssmSession(intents): intents must be an object with a source$ (an Observable of SsmSource | null), got ${describe(intents)}`,
    );
  }
  const given = intents as Record<string, unknown>;
  if (!isObservable(given.source$)) {
    throw new TypeError(
      `ssmSession(intents): intents.source$ is required: an Observable of SsmSource | null, got ${describe(given.source$)}`,
    );
  }
  for (const name of INTENTS) {
    if (given[name] !== undefined && !isObservable(given[name])) {
      throw new TypeError(
        `ssmSession(intents): intents.${name} must be an Observable when given, got ${describe(given[name])}`,
      );
    }
  }
  checkOptions(options);
}

const NUMBERS = ['tokenTimeoutMs', 'heartbeatRetries', 'minHeartbeatSeconds'] as const;
const FUNCTIONS = ['transport', 'setupIdempotencyKey'] as const;
const BOOLEANS = ['syncMode', 'reestablishAfterBackground'] as const;

function checkOptions(options: unknown): asserts options is SsmOptions | undefined {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `ssmSession(intents, options): options must be an object, got ${describe(options)}`,
    );
  }
  const given = options as Record<string, unknown>;
  const wrong = (name: string, what: string) =>
    new TypeError(
      `ssmSession(intents, options): options.${name} must be ${what}, got ${describe(given[name])}`,
    );
  for (const name of NUMBERS) {
    const value = given[name];
    if (
      value !== undefined &&
      !(typeof value === 'number' && Number.isFinite(value) && value >= 0)
    ) {
      throw wrong(name, 'a finite number ≥ 0');
    }
  }
  for (const name of FUNCTIONS) {
    if (given[name] !== undefined && typeof given[name] !== 'function')
      throw wrong(name, 'a function');
  }
  for (const name of BOOLEANS) {
    if (given[name] !== undefined && typeof given[name] !== 'boolean')
      throw wrong(name, 'a boolean');
  }
  const scheduler = given.scheduler as { now?: unknown; schedule?: unknown } | undefined;
  if (
    scheduler !== undefined &&
    (typeof scheduler !== 'object' ||
      scheduler === null ||
      typeof scheduler.now !== 'function' ||
      typeof scheduler.schedule !== 'function')
  ) {
    throw wrong('scheduler', 'an rxjs SchedulerLike');
  }
}
