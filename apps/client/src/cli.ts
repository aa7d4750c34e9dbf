/**
 * Command line of the client: `udpchat [--server HOST:PORT] [--name NAME] [--plain] [--json] [--no-host]
 * [--secret-file PATH] [--data-dir DIR] [--ephemeral] [--history N] [--simulate-loss P] [--simulate-duplicate P] [--simulate-reorder P] [--seed N]`.
 * Parsing with node:util parseArgs (strict). Mistakes raise `UsageError`;
 * main prints its one-line message and the usage and exits 2.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { describeParseError } from './parseArgsError.js';
import { DEFAULT_RELAY_PORT, describeNameProblem, nameProblem } from '@udpchat/protocol';
import { DEFAULT_SEED, parseEndpoint, parseSimulateFlags, SIMULATE_ARG_OPTIONS, type SimulateOptions } from '@udpchat/net';
import { resolveDataDir } from '@udpchat/store';

/** What the command line asks for. */
export interface ClientOptions {
  /** Relay host name or IP literal (IPv6 without brackets). */
  host: string;
  /** Relay UDP port. */
  port: number;
  /** Contact name to register. */
  name: string;
  /** Line mode (one line per event) instead of the full-screen UI. */
  plain: boolean;
  /** Line mode with one JSON object per line. Implies `plain`. */
  json: boolean;
  /** Never host a relay in this process, even on loopback. */
  noHost: boolean;
  /** `--secret-file PATH`: file holding the shared secret (PROTOCOL.md §3.2), or null (then UDPCHAT_SECRET is used, if set). */
  secretFile: string | null;
  /**
   * Folder of this user's udpchat files (identity keys, history, the hosted
   * relay's store): `--data-dir DIR`, else `$XDG_DATA_HOME/udpchat`, else
   * `~/.local/share/udpchat`; null with `--ephemeral` (nothing kept on disk).
   */
  dataDir: string | null;
  /** `--history N`: line mode prints the last N stored messages at start (0: none). */
  history: number;
  /**
   * Faults to simulate on the datagrams this client receives (`--simulate-loss`,
   * `--simulate-duplicate`, `--simulate-reorder`, `--seed`); null when every rate is 0.
   */
  simulate: SimulateOptions | null;
}

/** The result of parsing: run with options, or print help / version. */
export type ParsedCommand = { kind: 'run'; options: ClientOptions } | { kind: 'help' } | { kind: 'version' };

/** A mistake on the command line; `message` is one line naming the flag. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** Usage text: no blank lines, ends without a newline. */
export const USAGE = `usage: pnpm chat [--server HOST:PORT] [--name NAME] [--plain] [--json] [--no-host]
                 [--secret-file PATH] [--data-dir DIR] [--ephemeral] [--history N]
                 [--simulate-loss P] [--simulate-duplicate P] [--simulate-reorder P] [--seed N]
  --server HOST:PORT      relay to use (default 127.0.0.1:${DEFAULT_RELAY_PORT}); on loopback, when no relay
                          is running there, this client hosts one itself (unless --no-host)
  --name NAME             your contact name (default: your OS user name)
  --plain                 line mode: one line per event, each input line is sent (automatic when
                          stdin or stdout is not a terminal)
  --json                  line mode with one JSON object per line
  --no-host               never host a relay in this process
  --secret-file PATH      file holding the shared secret of a relay that requires one (at least
                          8 bytes; one trailing newline is ignored); without this flag the
                          UDPCHAT_SECRET variable is used, if set
  --data-dir DIR          where your keys and history are kept (default $XDG_DATA_HOME/udpchat,
                          else ~/.local/share/udpchat; history in DIR/history/NAME.db)
  --ephemeral             keep nothing on disk (no keys; history only in memory)
  --history N             line mode: print the last N stored messages first (JSON: "history": true)
  --simulate-loss P       simulate an unreliable network (demos, tests): drop this share
                          (a number from 0 to 1, e.g. 0.2) of the datagrams received
  --simulate-duplicate P  deliver this share of the received datagrams twice
  --simulate-reorder P    hold this share back until after the next datagram
  --seed N                seed of the simulation (default ${DEFAULT_SEED}): same seed, same faults
  -h, --help              show this help
  -v, --version           show the version`;

/**
 * Parses `HOST:PORT`, `HOST` or `[IPv6]:PORT`.
 * @throws UsageError for a malformed value.
 */
export function parseServer(value: string): { host: string; port: number } {
  const parsed = parseEndpoint(value, DEFAULT_RELAY_PORT);
  if ('error' in parsed) throw new UsageError(`--server ${parsed.error}`);
  return { host: parsed.host, port: parsed.port };
}

function defaultName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'guest';
  }
}

/**
 * Parses the client's arguments (without `node` and the script).
 * @throws UsageError for an unknown flag, a missing value or a bad value.
 */
export function parseClientArgs(argv: readonly string[]): ParsedCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        name: { type: 'string' },
        plain: { type: 'boolean' },
        json: { type: 'boolean' },
        'no-host': { type: 'boolean' },
        'secret-file': { type: 'string' },
        'data-dir': { type: 'string' },
        ephemeral: { type: 'boolean' },
        history: { type: 'string' },
        ...SIMULATE_ARG_OPTIONS,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const { host, port } = parseServer(values.server ?? `127.0.0.1:${DEFAULT_RELAY_PORT}`);
  const name = values.name ?? defaultName();
  const problem = nameProblem(name);
  if (problem) throw new UsageError(`--name: ${describeNameProblem(name, problem)}`);
  const json = values.json ?? false;
  const simulation = parseSimulateFlags(values);
  if ('error' in simulation) throw new UsageError(simulation.error);
  const ephemeral = values.ephemeral ?? false;
  if (ephemeral && values['data-dir'] !== undefined) throw new UsageError('--ephemeral and --data-dir exclude each other');
  if (values['data-dir'] === '') throw new UsageError('--data-dir needs a folder');
  const history = values.history === undefined ? 0 : Number(values.history);
  if (!/^\d+$/.test(values.history ?? '0') || !Number.isSafeInteger(history)) throw new UsageError(`--history needs a whole number of messages, not '${values.history}'`);
  return {
    kind: 'run',
    options: {
      host,
      port,
      name,
      json,
      plain: json || (values.plain ?? false),
      noHost: values['no-host'] ?? false,
      secretFile: values['secret-file'] ?? null,
      dataDir: ephemeral ? null : resolveDataDir('data', values['data-dir'] ?? null),
      history,
      simulate: simulation.simulate,
    },
  };
}
