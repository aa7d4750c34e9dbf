/**
 * Command line of `udpchat-relay`: flags, their checks, the usage text.
 * Pure: no I/O except reading the version from package.json.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_RELAY_PORT } from '@udpchat/protocol';
import type { LevelWithSilent } from 'pino';
import { LOG_LEVELS } from './log.js';
import { DEFAULT_SEED, parseSimulateFlags, SIMULATE_ARG_OPTIONS, type SimulateOptions } from './lossSimulator.js';

/** Program name used in messages. */
export const PROGRAM = 'udpchat-relay';

/** Usage text: no blank lines, ends without a newline. */
export const USAGE = [
  `usage: ${PROGRAM} [--host HOST] [--port PORT] [--log-level LEVEL] [--no-plain-peers]`,
  '                     [--simulate-loss P] [--simulate-duplicate P] [--simulate-reorder P]',
  '                     [--seed N]',
  '  --host HOST             address to bind (default 127.0.0.1; 0.0.0.0 serves the LAN;',
  '                          an IPv6 address such as ::1 makes an IPv6 relay)',
  `  --port PORT             UDP port, 0 for any free port (default ${DEFAULT_RELAY_PORT})`,
  `  --log-level LEVEL       ${LOG_LEVELS.join('|')} (default info)`,
  '  --no-plain-peers        ignore plain-text UDP peers; by default any UTF-8 datagram',
  '                          (nc -u, the classic client) is chat from a contact named',
  '                          after its address, like 127.0.0.1:54321 (@NAME text: direct)',
  '  --simulate-loss P       simulate an unreliable network (demos, tests): drop this share',
  '                          (a number from 0 to 1, e.g. 0.2) of the datagrams received',
  '  --simulate-duplicate P  deliver this share of the received datagrams twice',
  '  --simulate-reorder P    hold this share back until after the next datagram',
  `  --seed N                seed of the simulation (default ${DEFAULT_SEED}): same seed, same faults`,
  '  -h, --help              show this help and exit',
  '  -v, --version           print the version and exit',
  'Logs one JSON line per event when stdout is not a terminal, readable lines',
  'when it is. Ctrl+C or SIGTERM says bye to every contact, then exits 0.',
].join('\n');

/** What the command line asks for. */
export type CliCommand =
  /**
   * Run a relay; `plainPeers` is false with `--no-plain-peers`; `simulate` is
   * null unless some `--simulate-*` rate is above 0.
   */
  | {
      readonly kind: 'run';
      readonly host: string;
      readonly port: number;
      readonly logLevel: LevelWithSilent;
      readonly plainPeers: boolean;
      readonly simulate: SimulateOptions | null;
    }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  /** A mistake; `message` is one line naming the flag, without the program name. */
  | { readonly kind: 'error'; readonly message: string };

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'log-level': { type: 'string' },
  'no-plain-peers': { type: 'boolean' },
  ...SIMULATE_ARG_OPTIONS,
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies ParseArgsConfig['options'];

type OptionName = keyof typeof OPTIONS;

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

/** The flag as the user typed it (`--port`, `-h`). */
function flagText(rawName: string): string {
  return rawName.startsWith('-') ? rawName : `--${rawName}`;
}

/**
 * First mistake in `argv`, as a one-line message naming the flag, or null.
 * Done on parseArgs' tokens so that every message names the offending flag.
 */
function findMistake(argv: readonly string[]): string | null {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') return `unexpected argument ${JSON.stringify(token.value)}`;
    if (token.kind !== 'option') continue;
    const flag = flagText(token.rawName);
    if (!isOptionName(token.name)) return `unknown flag ${flag}`;
    const spec = OPTIONS[token.name];
    if (spec.type === 'boolean' && token.value !== undefined) return `${flag} takes no value`;
    if (spec.type === 'string' && (token.value === undefined || token.value === '')) return `${flag} needs a value`;
    if (spec.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
      return `${flag} needs a value (got ${JSON.stringify(token.value)}; write ${flag}=VALUE for a value starting with "-")`;
    }
  }
  return null;
}

/** Parses a port: a whole number from 0 to 65535 written in decimal digits, else null. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

function isLevel(text: string): text is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

/**
 * Parses the arguments after the program name. Strict: unknown flags,
 * missing values, values given to -h/-v and positional arguments are mistakes.
 * `--help` and `--version` win over everything else when the line is valid.
 * @returns the command; never throws.
 */
export function parseCli(argv: readonly string[]): CliCommand {
  const mistake = findMistake(argv);
  if (mistake) return { kind: 'error', message: mistake };
  let values: {
    host?: string;
    port?: string;
    'log-level'?: string;
    'no-plain-peers'?: boolean;
    'simulate-loss'?: string;
    'simulate-duplicate'?: string;
    'simulate-reorder'?: string;
    seed?: string;
    help?: boolean;
    version?: boolean;
  };
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    // findMistake should have caught it; keep parseArgs' own words, on one line.
    return { kind: 'error', message: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'bad arguments' };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const host = values.host ?? '127.0.0.1';
  const portText = values.port ?? String(DEFAULT_RELAY_PORT);
  const port = parsePort(portText);
  if (port === null) return { kind: 'error', message: `--port must be a whole number from 0 to 65535 (got ${JSON.stringify(portText)})` };
  const level = values['log-level'] ?? 'info';
  if (!isLevel(level)) {
    return { kind: 'error', message: `--log-level must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(level)})` };
  }
  const simulation = parseSimulateFlags(values);
  if ('error' in simulation) return { kind: 'error', message: simulation.error };
  return { kind: 'run', host, port, logLevel: level, plainPeers: values['no-plain-peers'] !== true, simulate: simulation.simulate };
}

/**
 * The version of @udpchat/server, from apps/server/package.json (one level
 * above both src/ and dist/).
 * @returns e.g. `'0.1.0'`, or `'unknown'` when package.json cannot be read.
 */
export function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}
