// Types of bundle-size.mjs, for the specs that build bundles the way `npm run size` does.

/** A bundle of bench/size-budget.json: an entry file or the contents of an app. */
export interface BundleSpec {
  name?: string;
  description?: string;
  entry?: string;
  contents?: string;
  external?: string[];
  /** Package export conditions beside esbuild's own, e.g. `es2015` for rxjs's ES2015 build. */
  conditions?: string[];
  budget?: number;
}

/** One input of a build and the bytes of it the output keeps. */
export interface BundleInput {
  path: string;
  bytes: number;
}

/** One build: minified bytes, gzipped bytes, inputs (largest first) and the code. */
export interface BuiltBundle {
  bytes: number;
  gzip: number;
  inputs: BundleInput[];
  text: string;
}

export const root: string;
export function sizeBudgets(): BundleSpec[];
export function measureBundle(bundle: BundleSpec): Promise<
  Omit<BuiltBundle, 'text'> & {
    name?: string;
    description?: string;
    budget?: number;
    development: Omit<BuiltBundle, 'text'>;
  }
>;
export function buildBundle(
  bundle: BundleSpec,
  mode: 'production' | 'development',
): Promise<BuiltBundle>;
export function byPackage(inputs: BundleInput[]): Array<[string, number]>;

/** One top-level statement of a bundle and the gzipped bytes deleting it would save. */
export interface StatementCost {
  label: string;
  bytes: number;
}
export function statementCosts(
  bundle: BundleSpec,
): Promise<{ whole: number; statements: StatementCost[] }>;

/**
 * What the text of a bundle costs it, gzipped: whole, without every literal's characters
 * (`codeOnly`), and without only the literals that hold words, the messages (`withoutWording`).
 */
export function textCost(bundle: BundleSpec): Promise<{
  gzip: number;
  characters: number;
  codeOnly: number;
  wordingCharacters: number;
  withoutWording: number;
}>;
