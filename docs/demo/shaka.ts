/**
 * Shaka Player for the demo page. Its typings declare an ES default export, but the package is
 * CommonJS: under NodeNext the typed namespace sits at `.default`, while a bundler hands over the
 * module itself. This picks whichever is there, typed as Shaka's namespace.
 */
import shakaModule from 'shaka-player';

/** The `shaka` namespace, as a value. */
export type Shaka = typeof shakaModule.default;

/** A `shaka.util.Error`. */
export type ShakaError = InstanceType<Shaka['util']['Error']>;

const loaded = shakaModule as unknown as { default?: Shaka };
export const shaka: Shaka = loaded.default ?? (shakaModule as unknown as Shaka);
