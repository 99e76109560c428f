import { readFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TOKEN_HEADER } from 'rx-ssm';
import type { ClearKey } from '../calls/clearkey-license.js';
import type { LicenceTokenPolicy } from '../calls/session-calls.js';
import {
  createSsmServer,
  FIRST_EXPIRY_FLOOR_SECONDS,
  MAX_HEARTBEAT_SECONDS,
} from '../http/server.js';
import { redisClusterStore, redisStore } from '../stores/redis/redis-store.js';
import { DEV_SECRET, mintContentToken } from '../tokens/content-token.js';
import { cliLogger, type LogFormat } from './cli-logger.js';
import { forwardHangUpToWorkers, onHangUp } from './hang-up.js';
import { keysCommand } from './keys-command.js';
import { packageVersion } from './package-version.js';
import { serveBanner, ssmServerUrlLine } from './serve-banner.js';
import {
  privateKeyOf,
  type TokenKeyOptions,
  type TrustOptions,
  tokenKeyOptions,
  trustLines,
  trustOf,
  trustOptions,
} from './trust-options.js';
import { isWorker, primaryGone, reportListening, runPrimary, workerCount } from './workers.js';

/** Where the CLI writes, and what stops `serve`; the process's own by default. */
export interface CliIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Aborting it stops `serve` as SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

interface SecretOptions {
  secret?: string;
  secretFile?: string;
}

interface ServeOptions extends SecretOptions, TrustOptions {
  port: number;
  host: string;
  redis?: string;
  redisCluster?: string;
  replicaAcks: number;
  heartbeat: number;
  minHeartbeat: number;
  licenceTokens: LicenceTokenPolicy;
  firstExpiryFloor: number;
  clearkeyFile?: string;
  cors: boolean | string;
  tokenHeader: string;
  responseDelay: number;
  example: boolean;
  logFormat: LogFormat;
  workers?: string;
}

interface TokenOptions extends SecretOptions, TokenKeyOptions {
  account: string;
  content: string;
  maxSessions: number;
  ttl: number;
  kid?: string;
  sessionControl: boolean;
  drmEnforced?: boolean;
  maxDevices?: number;
  maxPerContent?: number;
  contentGroup?: string;
  maxPerGroup?: number;
  onLimit?: 'deny' | 'evict-oldest';
}

const DEV_SECRET_WARNING =
  'warning: no --secret or --secret-file given: using the public development secret\n';

function integer(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

function heartbeatPeriod(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0 && parsed <= MAX_HEARTBEAT_SECONDS)) {
    throw new InvalidArgumentError(
      `expected a period in seconds from 1 to ${MAX_HEARTBEAT_SECONDS} (one day)`,
    );
  }
  return parsed;
}

/** A `redis://` or `rediss://` URL, checked before anything starts. */
function redisUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new InvalidArgumentError(
      'expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    );
  }
  return value;
}

/** Nodes of a Redis Cluster, `host:port[,host:port…]`, checked before anything starts. */
function clusterNodes(value: string): string {
  const nodes = value.split(',').map((node) => node.trim());
  if (!nodes.every((node) => /^[^\s:,]+:\d{1,5}$/.test(node))) {
    throw new InvalidArgumentError(
      'expected host:port[,host:port…], e.g. 127.0.0.1:7000,127.0.0.1:7001',
    );
  }
  return value;
}

function secretOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--secret <secret>', 'HS256 secret of content tokens').conflicts('secretFile'),
    )
    .option('--secret-file <file>', 'read the HS256 secret from a file');
}

/** What a file-reading error means, in words: `ENOENT` is "no such file". */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
};

/** The text of the file a flag names; a file that cannot be read is an error naming the flag. */
async function flagFile(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new Error(`${flag} ${file}: ${FILE_ERRORS[code] ?? (error as Error).message}`);
  }
}

/** The configured secret, or undefined for the development secret. */
async function secretOf({ secret, secretFile }: SecretOptions): Promise<string | undefined> {
  if (secretFile === undefined) return secret;
  const fromFile = (await flagFile('--secret-file', secretFile)).trim();
  if (!fromFile) throw new Error(`--secret-file ${secretFile}: the file is empty`);
  return fromFile;
}

async function clearKeysOf(file: string | undefined): Promise<Record<string, ClearKey[]>> {
  if (file === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await flagFile('--clearkey-file', file));
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`--clearkey-file ${file}: not JSON`);
    throw error;
  }
  const isKey = (key: unknown) =>
    typeof key === 'object' &&
    key !== null &&
    typeof (key as ClearKey).kid === 'string' &&
    typeof (key as ClearKey).k === 'string';
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((keys) => Array.isArray(keys) && keys.every(isKey));
  if (!valid) {
    throw new Error(
      `--clearkey-file ${file}: not a JSON object of contentId → [{"kid": "…", "k": "…"}]`,
    );
  }
  return parsed as Record<string, ClearKey[]>;
}

/** Resolves when `signal` aborts or the process gets SIGINT or SIGTERM. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (signal?.aborted) return stop();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

async function serve(
  options: ServeOptions,
  io: Required<Omit<CliIo, 'signal'>> & CliIo,
  argv: readonly string[],
) {
  const logger = cliLogger(io.stderr, options.logFormat);
  const workers = options.workers === undefined ? 1 : workerCount(options.workers);
  if (workers > 1 && !isWorker()) {
    if (!options.redis && !options.redisCluster) {
      throw new Error(
        '--workers needs a store the processes share (--redis or --redis-cluster): with the memory store each ' +
          'process would count only its own sessions, and the account limit would be per process',
      );
    }
    await secretOf(options); // a bad secret file fails here, once, not in every worker
    await trustOf(options);
    const stopForwarding = forwardHangUpToWorkers();
    let url = '';
    await runPrimary({
      count: workers,
      exec: argv[1] ?? '',
      args: argv.slice(2),
      stopRequested: stopRequested(io.signal),
      listening: (at) => {
        url = at;
        logger.info({ url, workers }, 'SSM server listening on every worker');
        if (options.example) io.stdout.write(workerBanner(url, workers));
      },
      log: logger,
    }).finally(stopForwarding);
    logger.info({ url }, 'SSM server workers stopped');
    return;
  }
  if (options.heartbeat < options.minHeartbeat) {
    throw new Error(
      `--heartbeat must be from ${options.minHeartbeat} to ${MAX_HEARTBEAT_SECONDS} seconds, got ${options.heartbeat}`,
    );
  }
  const secret = await secretOf(options);
  const trust = await trustOf(options);
  const publicKeyFlags = options.jwksFile !== undefined || options.jwksUrl !== undefined;
  const clearKeys = await clearKeysOf(options.clearkeyFile);
  if (options.redis && options.redisCluster) {
    throw new Error('give --redis or --redis-cluster, not both');
  }
  const shared = { logger, replicaAcks: options.replicaAcks };
  const store = options.redisCluster
    ? redisClusterStore(
        options.redisCluster.split(',').map((node) => node.trim()),
        shared,
      )
    : options.redis
      ? redisStore(options.redis, shared)
      : undefined;
  const server = createSsmServer({
    ...(secret !== undefined && { secret }),
    ...trust,
    ...(store && { store }),
    heartbeatSeconds: options.heartbeat,
    minHeartbeatSeconds: options.minHeartbeat,
    licenceTokens: options.licenceTokens,
    firstExpiryFloorSeconds: options.firstExpiryFloor,
    cors:
      typeof options.cors === 'string'
        ? options.cors.split(',').map((o) => o.trim())
        : options.cors,
    clearKeys,
    logger,
    responseDelayMs: options.responseDelay,
    tokenHeader: options.tokenHeader,
  });
  const stopReloading = onHangUp(() => {
    server.reloadKeys().then(
      () => logger.info('SIGHUP: content token keys reloaded'),
      (error: Error) => logger.warn({ err: error.message }, 'SIGHUP: keys not reloaded, kept'),
    );
  });
  try {
    const url = await server.listen(options.port, options.host);
    if (options.example && !isWorker()) {
      const example = {
        accountId: 'example',
        contentId: 'channel-1',
        maxSessions: 2,
        ttlSeconds: 3600,
      };
      // A token is printed only when anyone could mint it anyway: with the development secret.
      // With a configured secret the banner says how to mint one instead.
      const token =
        secret === undefined && !publicKeyFlags
          ? await mintContentToken({ secret: DEV_SECRET, ...example })
          : undefined;
      io.stdout.write(
        serveBanner({
          url,
          tokenHeader: options.tokenHeader,
          ...example,
          ...(token && { token }),
          trust: trustLines(options),
          mintWith: secret === undefined ? 'key' : 'secret',
        }),
      );
    }
    if (isWorker()) {
      reportListening(url);
      await Promise.race([stopRequested(io.signal), primaryGone()]);
    } else {
      await stopRequested(io.signal);
    }
  } finally {
    stopReloading();
    await server.close();
    await store?.close();
  }
}

async function token(options: TokenOptions, io: Required<Omit<CliIo, 'signal'>>) {
  if (options.maxPerGroup !== undefined && options.contentGroup === undefined) {
    throw new Error('--max-per-group needs --content-group');
  }
  const privateKey = options.key === undefined ? undefined : await privateKeyOf(options.key);
  const secret = await secretOf(options);
  if (secret === undefined && !privateKey) io.stderr.write(DEV_SECRET_WARNING);
  const minted = await mintContentToken({
    ...(privateKey ? { privateKey } : { secret: secret ?? DEV_SECRET }),
    ...(options.issuer !== undefined && { issuer: options.issuer }),
    ...(options.audience !== undefined && { audience: options.audience }),
    accountId: options.account,
    contentId: options.content,
    maxSessions: options.maxSessions,
    sessionControlEnabled: options.sessionControl,
    ...(options.drmEnforced && { drmEnforced: true }),
    ...(options.maxDevices !== undefined && { maxDevices: options.maxDevices }),
    ...(options.maxPerContent !== undefined && { maxSessionsPerContent: options.maxPerContent }),
    ...(options.contentGroup !== undefined && { contentGroup: options.contentGroup }),
    ...(options.maxPerGroup !== undefined && { maxSessionsPerGroup: options.maxPerGroup }),
    ...(options.onLimit !== undefined && { onLimit: options.onLimit }),
    ttlSeconds: options.ttl,
    ...(options.kid !== undefined && { kid: options.kid }),
  });
  io.stdout.write(`${minted}\n`);
}

function program(io: Required<Omit<CliIo, 'signal'>> & CliIo, argv: readonly string[]): Command {
  const root = new Command('rx-ssm')
    .description('Reference SSM server and content token tool of rx-ssm')
    .version(packageVersion(), '-V, --version', 'print the version of rx-ssm')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    // One line for a mistake, and where the flags are: the whole help would scroll it away.
    .showHelpAfterError('(add --help for the flags)');

  secretOptions(
    trustOptions(root.command('serve'))
      .description(
        'Run the reference SSM server. Without flags: memory store, development secret, port 8787.\n' +
          'Content tokens: --secret or --secret-file (HS256) and/or --jwks-file, --jwks-url (RS256, ' +
          'PS256, ES256, EdDSA), in any combination; --issuer, --audience and --clock-skew apply to all.',
      )
      .option('--port <port>', 'port to listen on, 0 for any free port', integer(0, 65535), 8787)
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option(
        '--redis <url>',
        'keep sessions in Redis (redis://host:port) to share limits between servers',
        redisUrl,
      )
      .option(
        '--redis-cluster <nodes>',
        'keep sessions in a Redis Cluster (or Valkey cluster): some of its nodes, host:port[,host:port…]; ' +
          "every account's keys share one hash slot, so each operation stays atomic",
        clusterNodes,
      )
      .option(
        '--replica-acks <n>',
        'wait for n replicas to acknowledge each admission, renewal and teardown (Redis WAIT, ' +
          'at most 100 ms) so a failover loses less; 0 answers at once',
        integer(0, 16),
        0,
      )
      .option(
        '--heartbeat <seconds>',
        `heartbeat period returned by setup, 1 to ${MAX_HEARTBEAT_SECONDS}`,
        heartbeatPeriod,
        5,
      )
      .option(
        '--min-heartbeat <seconds>',
        'shortest heartbeat period accepted; lower than 1 only to run tests fast',
        heartbeatPeriod,
        1,
      )
      .addOption(
        new Option(
          '--licence-tokens <policy>',
          'what a licence renewal does to the session token: rotate (a new one each time) or ' +
            "stable (kept, for clients that do not adopt a renewal answer's token)",
        )
          .choices(['rotate', 'stable'])
          .default('rotate'),
      )
      .option(
        '--first-expiry-floor <seconds>',
        'a new session first expires after the greater of two periods and this, room for a slow first licence',
        integer(0, MAX_HEARTBEAT_SECONDS * 2),
        FIRST_EXPIRY_FLOOR_SECONDS,
      )
      .option('--clearkey-file <file>', 'JSON of contentId → [{kid, k}] for POST /license/clearkey')
      .option('--cors <origins>', 'comma-separated origins allowed by CORS (default: any origin)')
      .option('--no-cors', 'send no CORS headers')
      .option('--token-header <name>', 'header that carries the tokens', DEFAULT_TOKEN_HEADER)
      .option(
        '--response-delay <ms>',
        'delay every SSM response, to emulate a round trip',
        integer(0, 60_000),
        0,
      )
      .option('--no-example', 'do not print the example token and curl commands')
      .option(
        '--workers <n>',
        'run n server processes on one port (node:cluster), or "auto" for one per core; ' +
          'needs --redis or --redis-cluster (with the memory store each process would count only its own sessions)',
      )
      .addOption(
        new Option('--log-format <format>', 'log lines: readable on a terminal, JSON otherwise')
          .choices(['auto', 'pretty', 'json'])
          .default('auto'),
      ),
  ).action((options: ServeOptions) => serve(options, io, argv));

  secretOptions(
    tokenKeyOptions(root.command('token'))
      .description(
        'Print a content token the server accepts: signed with the same secret (--secret or ' +
          '--secret-file, HS256), or with --key PRIVATE.jwk for a server given its public JWKS ' +
          '(--jwks-file, --jwks-url); --issuer and --audience as the server checks them.',
      )
      .requiredOption('--account <id>', 'account id (device.accountId) (required)')
      .requiredOption('--content <id>', 'content id (contentRights[0].contentId) (required)')
      .option(
        '--max-sessions <n>',
        'concurrent sessions allowed to the account',
        integer(0, 1_000_000),
        2,
      )
      .option('--ttl <seconds>', 'lifetime of the token', integer(1, 10 * 365 * 24 * 3600), 3600)
      .option('--kid <kid>', 'key id written to the token header')
      .option('--no-session-control', 'sessions of this token count against no limit')
      .option(
        '--drm-enforced',
        'sessions of this token are renewed by licence requests, not heartbeats (DRM enforcement)',
      )
      .option(
        '--max-devices <n>',
        'distinct devices (setup device.id) allowed to hold sessions of the account',
        integer(0, 1_000_000),
      )
      .option(
        '--max-per-content <n>',
        'concurrent sessions of the account for this content',
        integer(0, 1_000_000),
      )
      .option(
        '--content-group <group>',
        'group of this content, e.g. "sports", for --max-per-group',
      )
      .option(
        '--max-per-group <n>',
        'concurrent sessions of the account for content of --content-group',
        integer(0, 1_000_000),
      )
      .addOption(
        new Option(
          '--on-limit <mode>',
          'at a limit, refuse the new setup (deny) or stop the oldest session blocking it',
        ).choices(['deny', 'evict-oldest']),
      ),
  ).action((options: TokenOptions) => token(options, io));

  keysCommand(root.command('keys'), io.stdout);

  return root;
}

/**
 * Runs the `rx-ssm` command line (`serve`, `token`) on `argv` as `process.argv` gives it, and
 * resolves the exit code. `serve` resolves once stopped (SIGINT, SIGTERM or `io.signal`).
 */
export async function main(argv: string[] = process.argv, io: CliIo = {}): Promise<number> {
  const output = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr };
  try {
    await program({ ...io, ...output }, argv).parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    output.stderr.write(`rx-ssm: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** What the primary of `serve --workers` prints once every worker listens. */
function workerBanner(url: string, workers: number): string {
  return (
    `rx-ssm reference SSM server listening on ${url} with ${workers} worker processes\n` +
    `${ssmServerUrlLine(url)}\n`
  );
}
