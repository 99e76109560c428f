import { type Logger, pino } from 'pino';

/** Fields that could carry a token or a secret; censored wherever they appear in a log line. */
function redactedPaths(tokenHeader: string): string[] {
  const fields = ['token', 'sessionToken', 'contentToken', 'authorization', 'secret'];
  return [
    ...fields,
    ...fields.map((field) => `*.${field}`),
    `req.headers["${tokenHeader}"]`,
    `headers["${tokenHeader}"]`,
    'req.headers.authorization',
    'req.headers.cookie',
  ];
}

/**
 * The logger the server writes to: `false` for none, the given logger wrapped with redaction, or
 * by default a pino logger on stdout at `LOG_LEVEL` (default `info`). Requests are logged at
 * `debug` with a token fingerprint, never a token; redaction is the second line of defence.
 */
export function serverLogger(logger: Logger | false | undefined, tokenHeader: string) {
  if (logger === false) return undefined;
  const redact = { paths: redactedPaths(tokenHeader), censor: '[redacted]' };
  if (logger) return logger.child({}, { redact });
  return pino({ name: 'rx-ssm', level: process.env.LOG_LEVEL ?? 'info', redact });
}

/**
 * `log` when it writes debug lines, else undefined: `debugLog(log)?.debug({...})` builds the
 * line (and hashes token fingerprints) only when it will be written, not on every request.
 */
export function debugLog(log: Logger | undefined): Logger | undefined {
  return log?.isLevelEnabled('debug') ? log : undefined;
}
