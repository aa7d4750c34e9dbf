/**
 * Command line of the client: `udpchat [--server HOST:PORT[,HOST:PORT…]] [--name NAME] [--plain] [--json] [--no-host]
 * [--secret-file PATH] [--data-dir DIR] [--ephemeral] [--history N] [--simulate-loss P] [--simulate-duplicate P] [--simulate-reorder P] [--seed N]`.
 * The server list may also come from UDPCHAT_SERVERS (the flag wins).
 * Parsing with node:util parseArgs (strict). Mistakes raise `UsageError`;
 * main prints its one-line message and the usage and exits 2.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { describeParseError } from './parseArgsError.js';
import { DEFAULT_RELAY_PORT, describeNameProblem, nameProblem } from '@udpchat/protocol';
import { isIP } from 'node:net';
import { DEFAULT_SEED, formatEndpoint, parseEndpoint, parseSimulateFlags, SIMULATE_ARG_OPTIONS, type SimulateOptions } from '@udpchat/net';
import { resolveDataDir } from '@udpchat/store';

/** What the command line asks for. */
export interface ClientOptions {
  /** Relay host name or IP literal (IPv6 without brackets): the first of `servers`. */
  host: string;
  /** Relay UDP port: the first of `servers`. */
  port: number;
  /**
   * Every relay of `--server a,b,c` (else UDPCHAT_SERVERS, else 127.0.0.1:8081), in
   * order, at least one: with several the client fails over and never hosts one.
   */
  servers: Array<{ host: string; port: number }>;
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
export const USAGE = `usage: pnpm chat [--server HOST:PORT[,…]] [--name NAME] [--plain] [--json] [--no-host]
                 [--secret-file PATH] [--data-dir DIR] [--ephemeral] [--history N]
                 [--simulate-loss P] [--simulate-duplicate P] [--simulate-reorder P] [--seed N]
  --server HOST:PORT      relay to use (default 127.0.0.1:${DEFAULT_RELAY_PORT}); on loopback, when no relay
                          is running there, this client hosts one itself (unless --no-host);
                          a list (a:8081,b:8081,[::1]:8082) is fail-over: when the relay in use
                          stops answering or says bye the client moves to the next (never hosts);
                          without this flag UDPCHAT_SERVERS is used, if set
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
 * @param source what to name in the error (`--server`, `UDPCHAT_SERVERS`, `--server entry 2`).
 * @throws UsageError for a malformed value.
 */
export function parseServer(value: string, source = '--server'): { host: string; port: number } {
  const parsed = parseEndpoint(value, DEFAULT_RELAY_PORT);
  if ('error' in parsed) throw new UsageError(`${source} ${parsed.error}`);
  return { host: parsed.host, port: parsed.port };
}

/**
 * Parses a comma-separated server list, `HOST:PORT,HOST:PORT,[IPv6]:PORT`
 * (spaces around entries allowed), as `--server` or UDPCHAT_SERVERS gives it.
 * @param source `--server` or `UDPCHAT_SERVERS`, named in errors.
 * @throws UsageError for an empty entry, a malformed one (`--server entry 2 port must be …`),
 *   a relay listed twice, or IPv4 and IPv6 literals mixed (one socket talks to all of them).
 */
export function parseServerList(value: string, source = '--server'): Array<{ host: string; port: number }> {
  const entries = value.split(',').map((e) => e.trim());
  if (entries.length === 1) return [parseServer(entries[0] as string, source)];
  const servers = entries.map((entry, i) => {
    if (entry === '') throw new UsageError(`${source} entry ${i + 1} is empty (a list is HOST:PORT,HOST:PORT)`);
    return parseServer(entry, `${source} entry ${i + 1} ("${entry}")`);
  });
  const seen = new Set<string>();
  for (const s of servers) {
    const key = `${s.host.toLowerCase()}|${s.port}`;
    if (seen.has(key)) throw new UsageError(`${source} lists ${formatEndpoint({ address: s.host, port: s.port })} twice`);
    seen.add(key);
  }
  const families = new Set(servers.map((s) => isIP(s.host)).filter((f) => f !== 0));
  if (families.size > 1) throw new UsageError(`${source} mixes IPv4 and IPv6 relays: give all of one kind`);
  return servers;
}

function defaultName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'guest';
  }
}

/**
 * Parses the client's arguments (without `node` and the script); `env`: where UDPCHAT_SERVERS and XDG_DATA_HOME are read.
 * @throws UsageError for an unknown flag, a missing value or a bad value (also in UDPCHAT_SERVERS).
 */
export function parseClientArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): ParsedCommand {
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
  const fromEnv = values.server === undefined && (env.UDPCHAT_SERVERS ?? '').trim() !== '';
  const servers = parseServerList(values.server ?? (fromEnv ? (env.UDPCHAT_SERVERS as string) : `127.0.0.1:${DEFAULT_RELAY_PORT}`), fromEnv ? 'UDPCHAT_SERVERS' : '--server');
  const { host, port } = servers[0] as { host: string; port: number };
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
      servers,
      name,
      json,
      plain: json || (values.plain ?? false),
      noHost: values['no-host'] ?? false,
      secretFile: values['secret-file'] ?? null,
      dataDir: ephemeral ? null : resolveDataDir('data', values['data-dir'] ?? null, env),
      history,
      simulate: simulation.simulate,
    },
  };
}
