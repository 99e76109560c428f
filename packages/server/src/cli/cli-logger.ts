import { type Logger, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** How `rx-ssm serve` writes its log lines. */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** Where the CLI writes: a stream, which may be a terminal. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * The CLI's logger on `output`: readable lines when it is a terminal (or `pretty`), one JSON
 * object a line otherwise (or `json`), for a log collector. Formatting runs in this thread, so
 * nothing is lost on exit.
 */
export function cliLogger(output: LogOutput, format: LogFormat = 'auto'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && output.isTTY === true);
  const prettify = pretty
    ? prettyFactory({ colorize: output.isTTY === true, translateTime: 'SYS:HH:MM:ss.l' })
    : undefined;
  return pino(
    { name: 'rx-ssm', level: process.env.LOG_LEVEL ?? 'info' },
    { write: (line: string) => output.write(prettify ? prettify(line) : line) },
  );
}
