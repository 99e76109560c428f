import type { SsmIntents, SsmOptions } from '../types.js';

/** What a field must be: the test, and its name in the message. */
type Rule = readonly [test: (value: unknown) => boolean, what: string];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const hasMethods = (value: unknown, ...names: string[]): boolean =>
  isObject(value) && names.every((name) => typeof value[name] === 'function');

const OBSERVABLE: Rule = [(value) => hasMethods(value, 'subscribe', 'pipe'), 'an Observable'];
const COUNT: Rule = [
  (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
  'a finite number ≥ 0',
];
const FUNCTION: Rule = [(value) => typeof value === 'function', 'a function'];
const BOOLEAN: Rule = [(value) => typeof value === 'boolean', 'a boolean'];

const INTENTS: Record<string, Rule> = {
  play$: OBSERVABLE,
  stop$: OBSERVABLE,
  appState$: OBSERVABLE,
  licence$: OBSERVABLE,
};

const OPTIONS: Record<string, Rule> = {
  tokenTimeoutMs: COUNT,
  heartbeatRetries: COUNT,
  minHeartbeatSeconds: COUNT,
  transport: FUNCTION,
  setupIdempotencyKey: FUNCTION,
  syncMode: BOOLEAN,
  reestablishAfterBackground: BOOLEAN,
  scheduler: [(value) => hasMethods(value, 'now', 'schedule'), 'an rxjs SchedulerLike'],
};

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

const wrong = (name: string, what: string, value: unknown) =>
  new TypeError(`ssmSession: ${name} must be ${what}, got ${describe(value)}`);

/** Throws for the first field of `given` that is present and breaks its rule. */
function checkFields(name: string, given: Record<string, unknown>, rules: Record<string, Rule>) {
  for (const [field, [test, what]] of Object.entries(rules)) {
    const value = given[field];
    if (value !== undefined && !test(value)) throw wrong(`${name}.${field}`, what, value);
  }
}

/**
 * Throws a `TypeError` that names what is wrong, at the call, for intents or options an app
 * got wrong: a missing `source$`, an intent that is not an Observable, an option of the wrong
 * type. Without it the mistake would surface only on subscribe, as an rxjs `TypeError` that
 * names nothing of the app's.
 */
export function checkIntents(intents: unknown, options: unknown): asserts intents is SsmIntents {
  const source = 'an Observable of SsmSource | null';
  if (!isObject(intents)) throw wrong('intents', `an object with a source$ (${source})`, intents);
  if (!OBSERVABLE[0](intents.source$)) throw wrong('intents.source$', source, intents.source$);
  checkFields('intents', intents, INTENTS);
  checkOptions(options);
}

function checkOptions(options: unknown): asserts options is SsmOptions | undefined {
  if (options === undefined) return;
  if (!isObject(options)) throw wrong('options', 'an object', options);
  checkFields('options', options, OPTIONS);
}
