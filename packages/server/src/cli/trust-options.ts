import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { JWK } from 'jose';
import type { SsmServerOptions } from '../http/server.js';
import { jwksUrlOf } from '../tokens/jwks-fetch.js';
import { checkedKeySet, PUBLIC_KEY_ALGORITHMS } from '../tokens/public-key-set.js';

/** The flags of `serve` that say which content tokens to trust besides `--secret`. */
export interface TrustOptions {
  jwksFile?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  clockSkew: number;
}

function jwksUrlFlag(value: string): string {
  try {
    jwksUrlOf(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `expected an https:// URL (http:// only to loopback): ${(error as Error).message}`,
    );
  }
  return value;
}

function clockSkewFlag(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 3600) {
    throw new InvalidArgumentError('expected whole seconds from 0 to 3600');
  }
  return parsed;
}

/** Adds `--jwks-file`, `--jwks-url`, `--issuer`, `--audience` and `--clock-skew` to `serve`. */
export function trustOptions(command: Command): Command {
  return command
    .option(
      '--jwks-file <file>',
      'trust RS256, PS256, ES256 and EdDSA tokens signed by the keys of this JWKS file (public ' +
        'keys only; re-read on SIGHUP); goes with or without --secret and --jwks-url',
    )
    .option(
      '--jwks-url <url>',
      'trust the keys of the JWKS at this URL (https, or http to loopback only): fetched at ' +
        'start, kept, fetched again for an unknown kid; goes with --jwks-file and --secret',
      jwksUrlFlag,
    )
    .option('--issuer <iss>', "refuse tokens whose iss claim is not this (any key source's tokens)")
    .option('--audience <aud>', 'refuse tokens whose aud claim does not name this')
    .option(
      '--clock-skew <seconds>',
      "leeway on the tokens' exp and nbf, for clocks that differ",
      clockSkewFlag,
      30,
    );
}

/** What a file-reading error means, in words. */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
};

/**
 * The server options of the trust flags. The JWKS file is read and checked here first, so that a
 * wrong one is one line naming the flag (`--jwks-file F: no such file`) and nothing starts.
 */
export async function trustOf(options: TrustOptions): Promise<SsmServerOptions> {
  const { jwksFile, jwksUrl, issuer, audience, clockSkew } = options;
  if (jwksFile !== undefined) {
    let text: string;
    try {
      text = await readFile(jwksFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new Error(`--jwks-file ${jwksFile}: ${FILE_ERRORS[code] ?? (error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`--jwks-file ${jwksFile}: not JSON`);
    }
    await checkedKeySet(parsed, `--jwks-file ${jwksFile}`);
  }
  return {
    ...(jwksFile !== undefined && { jwksFile }),
    ...(jwksUrl !== undefined && { jwksUrl }),
    ...(issuer !== undefined && { issuer }),
    ...(audience !== undefined && { audience }),
    clockSkewSeconds: clockSkew,
  };
}

/** What the banner says is in force: the sources and checks, never a key. */
export function trustLines(options: TrustOptions & { secret?: string; secretFile?: string }) {
  const sources = [
    ...(options.secretFile !== undefined ? [`--secret-file ${options.secretFile} (HS256)`] : []),
    ...(options.secret !== undefined ? ['--secret (HS256)'] : []),
    ...(options.jwksFile !== undefined ? [`--jwks-file ${options.jwksFile}`] : []),
    ...(options.jwksUrl !== undefined ? [`--jwks-url ${options.jwksUrl}`] : []),
  ];
  const checks = [
    ...(options.issuer !== undefined ? [`iss "${options.issuer}"`] : []),
    ...(options.audience !== undefined ? [`aud "${options.audience}"`] : []),
    `clock skew ${options.clockSkew} s`,
  ];
  return {
    sources: sources.length > 0 ? sources : ['the public development secret (HS256)'],
    checks,
  };
}

/** The flags of `token` that sign with a private key and name the issuer and audience. */
export interface TokenKeyOptions {
  key?: string;
  issuer?: string;
  audience?: string;
}

/** Adds `--key`, `--issuer` and `--audience` to `token`. */
export function tokenKeyOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--key <file>',
        'sign with this private JWK (from `rx-ssm keys generate`) instead of a secret; the ' +
          'server trusts it through --jwks-file or --jwks-url; not with --secret or --secret-file',
      ).conflicts(['secret', 'secretFile']),
    )
    .option('--issuer <iss>', 'the iss claim; give the --issuer the server checks')
    .option('--audience <aud>', 'the aud claim; give the --audience the server checks');
}

/** The private JWK of `--key`; a file that is no such key is one line naming the flag. */
export async function privateKeyOf(file: string): Promise<JWK> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new Error(`--key ${file}: ${FILE_ERRORS[code] ?? (error as Error).message}`);
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new Error(`--key ${file}: not JSON`);
  }
  const { alg, d } = (jwk ?? {}) as JWK;
  if (typeof jwk !== 'object' || jwk === null || typeof d !== 'string') {
    throw new Error(`--key ${file}: not a private JWK (rx-ssm keys generate writes one)`);
  }
  if (!PUBLIC_KEY_ALGORITHMS.some((known) => known === alg)) {
    throw new Error(
      `--key ${file}: the JWK's alg must be one of ${PUBLIC_KEY_ALGORITHMS.join(', ')}`,
    );
  }
  return jwk as JWK;
}
