/**
 * The real `shaka-player` package, loaded in Node for the adapter specs. Shaka's compiled build
 * touches a few browser globals when it loads and when a `Player` is made (`window`, `navigator`,
 * window events, `Map.prototype.getOrInsertComputed`); this provides just those, so its real
 * `Player`, `NetworkingEngine` and events run. Nothing here plays media.
 */
import type shakaModule from 'shaka-player';

/** The `shaka` namespace. (Its typings sit at `.default` under NodeNext; the value does not.) */
export type Shaka = typeof shakaModule.default;
/** A real `shaka.Player`. */
export type ShakaPlayer = InstanceType<Shaka['Player']>;

const scope = globalThis as Record<string, unknown>;
scope.self ??= globalThis;
scope.window ??= globalThis;
scope.navigator ??= { userAgent: 'node' };
if (typeof scope.addEventListener !== 'function') {
  const windowEvents = new EventTarget();
  scope.addEventListener = windowEvents.addEventListener.bind(windowEvents);
  scope.removeEventListener = windowEvents.removeEventListener.bind(windowEvents);
}
const mapPrototype = Map.prototype as Map<unknown, unknown> & {
  getOrInsertComputed?: (key: unknown, compute: (key: unknown) => unknown) => unknown;
};
mapPrototype.getOrInsertComputed ??= function getOrInsertComputed(
  this: Map<unknown, unknown>,
  key,
  compute,
) {
  if (!this.has(key)) this.set(key, compute(key));
  return this.get(key);
};

const loaded = (await import('shaka-player')) as unknown as { default: Shaka };
export const shaka: Shaka = loaded.default;

/** A real Shaka event, as the player dispatches them. */
export function shakaEvent(type: string, fields: Record<string, unknown> = {}) {
  // Shaka's typings say `object | null`; the player itself passes booleans and strings too.
  return new shaka.util.FakeEvent(type, new Map(Object.entries(fields)) as Map<string, object>);
}

/**
 * Registers the `spec:` scheme on Shaka's real networking engine: every request to `spec://…`
 * is recorded (type, URI and headers as sent, after the request filters) and answered 200.
 */
export function specScheme(): Array<{
  type: number;
  uri: string;
  headers: Record<string, string>;
}> {
  const seen: Array<{ type: number; uri: string; headers: Record<string, string> }> = [];
  shaka.net.NetworkingEngine.registerScheme('spec', (uri, request, type) => {
    seen.push({ type, uri, headers: { ...request.headers } });
    return shaka.util.AbortableOperation.completed({
      uri,
      originalUri: uri,
      data: new ArrayBuffer(0),
      headers: {},
      originalRequest: request,
    });
  });
  return seen;
}

/** Sends a request of `type` to `uri` through the player's real networking engine. */
export function request(player: ShakaPlayer, type: number, uri: string) {
  const engine = player.getNetworkingEngine();
  if (!engine) throw new Error('no networking engine');
  const req = shaka.net.NetworkingEngine.makeRequest(
    [uri],
    shaka.net.NetworkingEngine.defaultRetryParameters(),
  );
  return engine.request(type, req).promise;
}
