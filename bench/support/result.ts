import { writeFileSync } from 'node:fs';

/** Command-line flags every benchmark entry understands. */
export interface BenchArgs {
  /** Small counts and short durations: a smoke run, not a measurement. */
  quick: boolean;
  /** Where to write the JSON result. */
  out: string | undefined;
}

export function benchArgs(argv = process.argv.slice(2)): BenchArgs {
  const out = argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length);
  return { quick: argv.includes('--quick'), out };
}

/** The value of `--name=value` on the command line, if given. */
export function flag(name: string, argv = process.argv.slice(2)): string | undefined {
  return argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** Hands the result to the runner (a JSON file), or prints it when run by hand. */
export function writeResult(args: BenchArgs, result: unknown): void {
  const text = JSON.stringify(result, null, 2);
  if (args.out) writeFileSync(args.out, text);
  else process.stdout.write(`${text}\n`);
}

/** Progress on stderr, so a long run shows where it is. */
export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
