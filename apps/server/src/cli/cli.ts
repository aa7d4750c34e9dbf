/**
 * Command line of `udpchat-relay`: flags, their checks, the usage text.
 * Pure: no I/O except reading the version from package.json.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_RELAY_PORT } from '@udpchat/protocol';
import type { LevelWithSilent } from 'pino';
import { LOG_LEVELS } from '../observe/log.js';
import { DEFAULT_SEED, parseSimulateFlags, SIMULATE_ARG_OPTIONS, DEFAULT_RATE_LIMIT, SECRET_ENV, type SimulateOptions } from '@udpchat/net';
import { DEFAULT_MAX_CONTACTS, DEFAULT_MAX_PER_IP } from '../relay.js';
import { DEFAULT_OFFLINE_LIMITS, type OfflineLimits } from '../state/offlineDeliveries.js';
import { parseOfflineLimits, relayStoreFile } from './storeFlags.js';
import { parseClusterFlags, type ClusterCommand } from './clusterFlags.js';

export { relayStoreFile } from './storeFlags.js';
import { parsePresenceFlags, type PresenceTiming } from './presenceFlags.js';

const DAY_MS = 24 * 3600 * 1000;

/** Program name used in messages. */
export const PROGRAM = 'udpchat-relay';

/** Usage text: no blank lines, ends without a newline. */
export const USAGE = [
  `usage: ${PROGRAM} [--host HOST] [--port PORT] [--log-level LEVEL] [--no-plain-peers]`,
  '                     [--secret-file PATH] [--rate-limit N] [--max-contacts N] [--max-per-ip N]',
  '                     [--simulate-loss P] [--simulate-duplicate P] [--simulate-reorder P]',
  '                     [--seed N] [--data-dir DIR | --ephemeral] [--offline-max-messages N]',
  '                     [--offline-max-bytes N] [--offline-max-days N]',
  '                     [--heartbeat-interval S] [--presence-timeout S]',
  '                     [--cluster nats://HOST:PORT [--relay-id ID]]',
  `       ${'udpchat-relay'} names list|release NAME [--data-dir DIR]`,
  '  --host HOST             address to bind (default 127.0.0.1; 0.0.0.0 serves the LAN;',
  '                          an IPv6 address such as ::1 makes an IPv6 relay)',
  `  --port PORT             UDP port, 0 for any free port (default ${DEFAULT_RELAY_PORT})`,
  `  --log-level LEVEL       ${LOG_LEVELS.join('|')} (default info)`,
  '  --no-plain-peers        ignore plain-text UDP peers; by default any UTF-8 datagram',
  '                          (nc -u, the classic client) is chat from a contact named',
  '                          after its address, like 127.0.0.1:54321 (@NAME text: direct)',
  '  --secret-file PATH      shared secret (at least 8 bytes; one trailing newline is',
  `                          ignored): only clients that have it are served, plain-text`,
  `                          peers are refused; default: the ${SECRET_ENV} variable, if set`,
  `  --rate-limit N          datagrams/s accepted per source address, bursts of 2N`,
  `                          (default ${DEFAULT_RATE_LIMIT}; 0 = no limit, for benchmarks)`,
  `  --max-contacts N        most contacts at once (default ${DEFAULT_MAX_CONTACTS}); then "relay full"`,
  `  --max-per-ip N          most registrations per IP address (default ${DEFAULT_MAX_PER_IP}; 0 = no cap)`,
  '  --simulate-loss P       simulate an unreliable network (demos, tests): drop this share',
  '                          (a number from 0 to 1, e.g. 0.2) of the datagrams received',
  '  --simulate-duplicate P  deliver this share of the received datagrams twice',
  '  --simulate-reorder P    hold this share back until after the next datagram',
  `  --seed N                seed of the simulation (default ${DEFAULT_SEED}): same seed, same faults`,
  '  --data-dir DIR          folder of the store relay.db: reserved names, offline messages',
  '                          (default $XDG_STATE_HOME/udpchat, else ~/.local/state/udpchat)',
  '  --ephemeral             keep the store in memory (forgotten when the relay stops)',
  `  --offline-max-messages N  most messages stored per offline name (default ${DEFAULT_OFFLINE_LIMITS.maxMessages})`,
  `  --offline-max-bytes N   most bytes of text stored per offline name (default ${DEFAULT_OFFLINE_LIMITS.maxBytes})`,
  `  --offline-max-days N    days a stored message is kept (default ${DEFAULT_OFFLINE_LIMITS.maxAgeMs / DAY_MS})`,
  '  --heartbeat-interval S  seconds between a client\'s heartbeats, told in welcome (default 10)',
  '  --presence-timeout S    seconds of silence after which a contact is dropped (default 30;',
  '                          longer than the heartbeat interval)',
  '  --cluster URL           join the relays on this NATS server as one chat (several',
  '                          relays; NATS must be running: else exit 1)',
  '  --relay-id ID           this relay\'s id in the cluster (default HOSTNAME:PORT)',
  '  names list              the reserved names in the store (the relay must be stopped)',
  '  names release NAME      free a reserved name and delete what is stored for it',
  '  -h, --help              show this help and exit',
  '  -v, --version           print the version and exit',
  'Logs one JSON line per event when stdout is not a terminal, readable lines',
  'when it is, and a stats line every 60 s and on SIGUSR1. Ctrl+C or SIGTERM',
  'says bye to every contact, then exits 0.',
].join('\n');

/** What the command line asks for. */
export type CliCommand =
  /**
   * Run a relay; `plainPeers` is false with `--no-plain-peers`; `simulate` is
   * null unless some `--simulate-*` rate is above 0; `secretFile` is the
   * `--secret-file` path (not read here: see `loadSecret`), null when not given.
   */
  | {
      readonly kind: 'run';
      readonly host: string;
      readonly port: number;
      readonly logLevel: LevelWithSilent;
      readonly plainPeers: boolean;
      readonly simulate: SimulateOptions | null;
      readonly secretFile: string | null;
      /** Datagrams/s per source address; 0 = no limit. */
      readonly rateLimit: number;
      /** Most contacts at once. */
      readonly maxContacts: number;
      /** Most registrations per IP address; 0 = no cap. */
      readonly maxPerIp: number;
      /** The store file (`<data dir>/relay.db`), or null with `--ephemeral` (in memory). */
      readonly storeFile: string | null;
      /** Bounds of the offline messages per recipient. */
      readonly offlineLimits: OfflineLimits;
      /** `--heartbeat-interval` and `--presence-timeout`, in ms. */
      readonly presence: PresenceTiming;
      /** `--cluster URL [--relay-id ID]`, or null: a single relay. */
      readonly cluster: ClusterCommand | null;
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
  'secret-file': { type: 'string' },
  'rate-limit': { type: 'string' },
  'max-contacts': { type: 'string' },
  'max-per-ip': { type: 'string' },
  'data-dir': { type: 'string' },
  ephemeral: { type: 'boolean' },
  'offline-max-messages': { type: 'string' },
  'offline-max-bytes': { type: 'string' },
  'offline-max-days': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'presence-timeout': { type: 'string' },
  cluster: { type: 'string' },
  'relay-id': { type: 'string' },
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

/** Flags whose value is a number: `--port -1` gives the value -1 (then a range error), not "needs a value". */
const NUMERIC_FLAGS: ReadonlySet<string> = new Set<OptionName>([
  'port',
  'rate-limit',
  'max-contacts',
  'max-per-ip',
  'offline-max-messages',
  'offline-max-bytes',
  'offline-max-days',
  'heartbeat-interval',
  'presence-timeout',
  'simulate-loss',
  'simulate-duplicate',
  'simulate-reorder',
  'seed',
]);

/**
 * `argv` with each numeric flag followed by a separate negative-looking
 * value (`--port -1`, `--seed -.5`) written as one `--port=-1`, so that the
 * value is read as the flag's (and refused by its range check with a clear
 * message) instead of looking like a missing value.
 */
function joinNegativeNumbers(argv: readonly string[]): string[] {
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const out = [...argv];
  for (const token of [...tokens].reverse()) {
    if (token.kind !== 'option' || !NUMERIC_FLAGS.has(token.name) || token.inlineValue !== false) continue;
    if (token.value === undefined || !/^-[\d.]/.test(token.value)) continue;
    out.splice(token.index, 2, `${token.rawName}=${token.value}`);
  }
  return out;
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

/** Largest value of --rate-limit, --max-contacts and --max-per-ip. */
const MAX_COUNT = 1_000_000;

/**
 * Parses a count flag: a whole number from `min` to 1 000 000 in decimal digits.
 * @returns the number, or the one-line error naming `flag`.
 */
function parseCount(flag: string, text: string | undefined, fallback: number, min: number): number | { error: string } {
  if (text === undefined) return fallback;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(value) && value >= min && value <= MAX_COUNT) return value;
  return { error: `${flag} must be a whole number from ${min} to ${MAX_COUNT} (got ${JSON.stringify(text)})` };
}

function isLevel(text: string): text is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

/**
 * Parses the arguments after the program name. Strict: unknown flags,
 * missing values, values given to -h/-v and positional arguments are mistakes;
 * a negative number after a numeric flag (`--port -1`) is its value, refused
 * by the range check ("--port must be a whole number from 0 to 65535").
 * `--help` and `--version` win over everything else when the line is valid.
 * @returns the command; never throws.
 */
export function parseCli(rawArgv: readonly string[]): CliCommand {
  const argv = joinNegativeNumbers(rawArgv);
  const mistake = findMistake(argv);
  if (mistake) return { kind: 'error', message: mistake };
  let values: {
    host?: string;
    port?: string;
    'log-level'?: string;
    'no-plain-peers'?: boolean;
    'secret-file'?: string;
    'rate-limit'?: string;
    'max-contacts'?: string;
    'max-per-ip'?: string;
    'data-dir'?: string;
    ephemeral?: boolean;
    'offline-max-messages'?: string;
    'offline-max-bytes'?: string;
    'offline-max-days'?: string;
    'heartbeat-interval'?: string;
    'presence-timeout'?: string;
    cluster?: string;
    'relay-id'?: string;
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
  const rateLimit = parseCount('--rate-limit', values['rate-limit'], DEFAULT_RATE_LIMIT, 0);
  if (typeof rateLimit !== 'number') return { kind: 'error', message: rateLimit.error };
  const maxContacts = parseCount('--max-contacts', values['max-contacts'], DEFAULT_MAX_CONTACTS, 1);
  if (typeof maxContacts !== 'number') return { kind: 'error', message: maxContacts.error };
  const maxPerIp = parseCount('--max-per-ip', values['max-per-ip'], DEFAULT_MAX_PER_IP, 0);
  if (typeof maxPerIp !== 'number') return { kind: 'error', message: maxPerIp.error };
  const simulation = parseSimulateFlags(values);
  if ('error' in simulation) return { kind: 'error', message: simulation.error };
  if (values.ephemeral && values['data-dir'] !== undefined) return { kind: 'error', message: '--ephemeral and --data-dir exclude each other' };
  const offline = parseOfflineLimits(values);
  if ('error' in offline) return { kind: 'error', message: offline.error };
  const presence = parsePresenceFlags(values);
  if ('error' in presence) return { kind: 'error', message: presence.error };
  const cluster = parseClusterFlags(values);
  if ('error' in cluster) return { kind: 'error', message: cluster.error };
  return {
    kind: 'run',
    host,
    port,
    logLevel: level,
    plainPeers: values['no-plain-peers'] !== true,
    simulate: simulation.simulate,
    secretFile: values['secret-file'] ?? null,
    rateLimit,
    maxContacts,
    maxPerIp,
    storeFile: values.ephemeral ? null : relayStoreFile(values['data-dir'] ?? null),
    offlineLimits: offline.limits,
    presence: presence.timing,
    cluster: cluster.cluster,
  };
}

/**
 * The version of @udpchat/server, from apps/server/package.json (two levels
 * above src/cli/ and dist/cli/).
 * @returns e.g. `'0.1.0'`, or `'unknown'` when package.json cannot be read.
 */
export function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}
