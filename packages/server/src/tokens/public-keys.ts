import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose';
import type { Logger } from 'pino';
import { fetchJwks, type JwksFetchLimits, jwksUrlOf } from './jwks-fetch.js';
import { checkedKeySet } from './public-key-set.js';

/** Where the public keys of RS256, PS256, ES256 and EdDSA content tokens come from. */
export interface PublicKeyOptions {
  /** A JWKS given in code. */
  jwks?: JSONWebKeySet;
  /** A JWKS file, read at start and again on {@link PublicKeys.reload} (the CLI: SIGHUP). */
  jwksFile?: string;
  /** A JWKS URL: https, or http to loopback only. */
  jwksUrl?: string | URL;
  /** How the URL is fetched and how long its keys are kept. */
  jwksFetch?: JwksFetchOptions;
}

/** Limits and timing of the JWKS URL. */
export interface JwksFetchOptions extends JwksFetchLimits {
  /** A token naming an unknown `kid` fetches the URL again at most once per this many ms; default 30,000. */
  cooldownMs?: number;
  /** Keys fetched this many ms ago are fetched again (in the background); default 600,000. */
  maxAgeMs?: number;
}

/** The public keys a server verifies with, from every source given. */
export interface PublicKeys {
  /**
   * jose's key lookup over the keys of every source: a key serves only its own `kty` and `alg`
   * (and `crv`). A `kid` no source knows fetches the URL again (at most once per cooldown) and
   * looks once more.
   */
  keyFor(header: JWSHeaderParameters): Promise<CryptoKey>;
  /** Re-reads the file and fetches the URL now; a source that fails keeps the keys it had. */
  reload(): Promise<void>;
  /** Settles when the first load is done: rejects when the file is wrong; a URL that fails only warns. */
  ready: Promise<void>;
  /** What is in force, for a banner: `jwks (in code)`, `--jwks-file PATH`, `--jwks-url URL`. */
  sources: string[];
}

/** A JWKS file's JSON, read synchronously so that a missing or unreadable file fails at once. */
function jwksFileText(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`jwks file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return jsonOfFile(text, path);
}

function jsonOfFile(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`jwks file ${path}: not JSON`);
  }
}

/** The public keys of `options`, or undefined when none is configured. */
export function publicKeysOf(
  options: PublicKeyOptions,
  clock: () => number,
  log?: Logger,
): PublicKeys | undefined {
  const { jwks, jwksFile } = options;
  const url = options.jwksUrl === undefined ? undefined : jwksUrlOf(options.jwksUrl);
  if (jwks === undefined && jwksFile === undefined && url === undefined) return undefined;
  const { cooldownMs = 30_000, maxAgeMs = 600_000, ...limits } = options.jwksFetch ?? {};

  let inCode: JWK[] = [];
  let fromFile: JWK[] = [];
  let fromUrl: JWK[] = [];
  let lookup = createLocalJWKSet({ keys: [] });
  const rebuild = () => {
    lookup = createLocalJWKSet({ keys: [...inCode, ...fromFile, ...fromUrl] });
  };

  const loadFile = async (text: unknown) => {
    if (jwksFile === undefined) return;
    fromFile = (await checkedKeySet(text, `jwks file ${jwksFile}`)).keys;
    rebuild();
  };

  let fetchedAt = Number.NEGATIVE_INFINITY;
  let triedAt = Number.NEGATIVE_INFINITY;
  let fetching: Promise<void> | undefined;
  const fetchUrl = (): Promise<void> => {
    if (url === undefined) return Promise.resolve();
    if (fetching) return fetching;
    triedAt = clock();
    fetching = fetchJwks(url, limits)
      .then((value) => checkedKeySet(value, `jwks URL ${url.href}`))
      .then((set) => {
        fromUrl = set.keys;
        fetchedAt = clock();
        rebuild();
      })
      .catch((error: Error) => {
        log?.warn({ err: error.message }, 'jwks URL not fetched: its keys held so far stay in use');
      })
      .finally(() => {
        fetching = undefined;
      });
    return fetching;
  };

  const fileText = jwksFile === undefined ? undefined : jwksFileText(jwksFile);
  const ready = Promise.all([
    jwks === undefined
      ? undefined
      : checkedKeySet(jwks, 'jwks').then((set) => {
          inCode = set.keys;
          rebuild();
        }),
    loadFile(fileText),
    fetchUrl(),
  ]).then(() => undefined);
  // listen() rejects with it; a server mounted without listen() says it in its log, and never
  // crashes on an unread rejection.
  ready.catch((error: Error) =>
    log?.error({ err: error.message }, 'content token keys not loaded'),
  );

  // Keys are used once checked: a token that comes before the first load waits for it.
  let loaded = false;
  const firstLoad = ready.then(
    () => {
      loaded = true;
    },
    () => {
      loaded = true;
    },
  );

  return {
    async keyFor(header) {
      if (!loaded) await firstLoad;
      const now = clock();
      if (url !== undefined && now - fetchedAt >= maxAgeMs && now - triedAt >= cooldownMs) {
        void fetchUrl();
      }
      try {
        return await lookup(header);
      } catch (error) {
        const unknownKid =
          error instanceof errors.JWKSNoMatchingKey && typeof header.kid === 'string';
        if (!unknownKid || url === undefined || clock() - triedAt < cooldownMs) throw error;
        await fetchUrl();
        return lookup(header);
      }
    },
    async reload() {
      const file =
        jwksFile === undefined
          ? undefined
          : readFile(jwksFile, 'utf8').then(
              (text) => loadFile(jsonOfFile(text, jwksFile)),
              (error: NodeJS.ErrnoException) => {
                throw new Error(`jwks file ${jwksFile}: ${error.code ?? error.message}`);
              },
            );
      await Promise.all([file, fetchUrl()]);
    },
    ready,
    sources: [
      ...(jwks === undefined ? [] : ['jwks (in code)']),
      ...(jwksFile === undefined ? [] : [`--jwks-file ${jwksFile}`]),
      ...(url === undefined ? [] : [`--jwks-url ${url.href}`]),
    ],
  };
}
