import type { SsmIntents } from '../types.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** An object with the two methods named. */
const hasMethods = (value: unknown, first: string, second: string): boolean =>
  isObject(value) && typeof value[first] === 'function' && typeof value[second] === 'function';

const isObservable = (value: unknown) => hasMethods(value, 'subscribe', 'pipe');
// Number.isFinite is false for anything that is not a finite number, without coercing it.
const isCount = (value: unknown) => Number.isFinite(value) && (value as number) >= 0;
const isFunction = (value: unknown) => typeof value === 'function';
const isBoolean = (value: unknown) => typeof value === 'boolean';

/** The test each intent and option passes when it is given. */
const INTENTS: Record<string, (value: unknown) => boolean> = {
  play$: isObservable,
  stop$: isObservable,
  appState$: isObservable,
  licence$: isObservable,
};

const OPTIONS: Record<string, (value: unknown) => boolean> = {
  tokenTimeoutMs: isCount,
  heartbeatRetries: isCount,
  minHeartbeatSeconds: isCount,
  transport: isFunction,
  setupIdempotencyKey: isFunction,
  syncMode: isBoolean,
  reestablishAfterBackground: isBoolean,
  scheduler: (value) => hasMethods(value, 'now', 'schedule'),
};

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

/**
 * The error for a field that failed its test: it names the field in every build, and in a
 * development build also what it must be and what it got (a production build drops the words,
 * all of them inside the check).
 */
function wrong(name: string, value: unknown, test?: unknown): TypeError {
  let message = `ssmSession: ${name} is not valid`;
  try {
    if (process.env.NODE_ENV !== 'production') {
      const source = 'an Observable of SsmSource | null';
      const byField: Record<string, string> = {
        intents: `an object with a source$ (${source})`,
        'intents.source$': source,
        options: 'an object',
      };
      const byTest = new Map<unknown, string>([
        [isObservable, 'an Observable'],
        [isCount, 'a finite number ≥ 0'],
        [isFunction, 'a function'],
        [isBoolean, 'a boolean'],
      ]);
      const what = byField[name] ?? byTest.get(test) ?? 'an rxjs SchedulerLike';
      message = `ssmSession: ${name} must be ${what}, got ${describe(value)}`;
    }
  } catch {
    // No `process` and no bundler that replaced the read: the short message.
  }
  return new TypeError(message);
}

/** Throws for the first field of `given` that is present and fails its test. */
function checkFields(
  name: string,
  given: Record<string, unknown>,
  tests: Record<string, (value: unknown) => boolean>,
) {
  for (const [field, test] of Object.entries(tests)) {
    const value = given[field];
    if (value !== undefined && !test(value)) throw wrong(`${name}.${field}`, value, test);
  }
}

/**
 * Throws a `TypeError` that names what is wrong, at the call, for intents or options an app
 * got wrong: a missing `source$`, an intent that is not an Observable, an option of the wrong
 * type (in every build; development builds also say what it must be and what it got). Without
 * it the mistake would surface only on subscribe, as an rxjs `TypeError` that names nothing of
 * the app's.
 */
export function checkIntents(intents: unknown, options: unknown): asserts intents is SsmIntents {
  if (!isObject(intents)) throw wrong('intents', intents);
  if (!isObservable(intents.source$)) throw wrong('intents.source$', intents.source$);
  checkFields('intents', intents, INTENTS);
  if (options === undefined) return;
  if (!isObject(options)) throw wrong('options', options);
  checkFields('options', options, OPTIONS);
}
