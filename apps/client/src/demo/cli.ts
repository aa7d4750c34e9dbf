/**
 * Command line of the demos: `udpchat-demo boundaries [--json]`.
 * Parsing with node:util parseArgs (strict). Mistakes raise `DemoUsageError`;
 * {@link runDemo} prints its one-line message and the usage on stderr and returns 2.
 */
import { parseArgs } from 'node:util';
import { describeParseError } from '../parseArgsError.js';
import { runBoundaries } from './boundaries.js';
import { formatReport } from './report.js';

/** What the command line asks for. */
export type DemoCommand = { kind: 'help' } | { kind: 'boundaries'; json: boolean };

/** A mistake on the command line; `message` is one line. */
export class DemoUsageError extends Error {
  readonly code = 'USAGE';
}

/** The subcommands, in the order the usage lists them. */
export const SUBCOMMANDS = ['boundaries'] as const;

export const DEMO_USAGE = `usage: pnpm demo boundaries [--json]
  boundaries   send "hello", "world", "" and a 3,000-byte message over TCP, UDP and
               length-prefixed TCP on 127.0.0.1, and show how the reads line up with
               the writes (TCP message boundaries, 粘包 "sticky packets")
  --json       print the results as one JSON object instead of a table
  -h, --help   show this help`;

/**
 * Parses the demo's arguments (without `node` and the script).
 * @throws DemoUsageError for a missing or unknown subcommand, an unknown flag or a stray argument.
 */
export function parseDemoArgs(argv: readonly string[]): DemoCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new DemoUsageError(describeParseError(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const [subcommand, ...rest] = positionals;
  if (subcommand === undefined) throw new DemoUsageError(`missing subcommand (one of: ${SUBCOMMANDS.join(', ')})`);
  if (!(SUBCOMMANDS as readonly string[]).includes(subcommand)) {
    throw new DemoUsageError(`unknown subcommand ${subcommand} (one of: ${SUBCOMMANDS.join(', ')})`);
  }
  if (rest.length > 0) throw new DemoUsageError(`unexpected argument ${rest[0]}`);
  return { kind: 'boundaries', json: values.json ?? false };
}


/** Where the demo writes. */
export interface DemoOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Runs the demo for `argv`.
 * @returns the exit code: 0 done, 1 the experiment failed (reason on stderr), 2 a usage mistake.
 */
export async function runDemo(argv: readonly string[], out: DemoOutput): Promise<number> {
  let command: DemoCommand;
  try {
    command = parseDemoArgs(argv);
  } catch (err) {
    if (!(err instanceof DemoUsageError)) throw err;
    out.stderr.write(`udpchat-demo: ${err.message}\n${DEMO_USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    out.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  let report;
  try {
    report = await runBoundaries();
  } catch (err) {
    out.stderr.write(`udpchat-demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  out.stdout.write(command.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}
