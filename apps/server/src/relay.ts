/**
 * The relay: one UDP socket wired to the contact table and the router.
 * Binds, receives (one datagram = one message), sends, sweeps presence, stops.
 */
import { KeyObject } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import {
  DEFAULT_RELAY_PORT,
  HEARTBEAT_INTERVAL_MS,
  PRESENCE_TIMEOUT_MS,
  type AuthKey,
  type ContactKind,
} from '@udpchat/protocol';
import type { Logger } from 'pino';
import {
  closeUdpSocket,
  LossSimulator,
  resolveSimulateOptions,
  DEFAULT_RATE_LIMIT,
  type SimulateOptions,
  type SimulatorStats,
} from '@udpchat/net';
import { bindSocket } from './io/socket.js';
import { silentLogger } from './observe/log.js';
import type { RelayStats } from './observe/stats.js';
import type { DepartureReason } from './rules/context.js';
import { PLAIN_PEER_TIMEOUT_MS } from './rules/plainPeers.js';
import { createRelayCore, type RelayAddress, type RelayContactInfo } from './relayCore.js';
import { DEFAULT_OFFLINE_LIMITS, type OfflineLimits } from './state/offlineDeliveries.js';
import { openRelayStore, type RelayStore } from './store/relayStore.js';

export type { RelayAddress, RelayContactInfo } from './relayCore.js';

/** Default most contacts at once (PROTOCOL.md §6.3). */
export const DEFAULT_MAX_CONTACTS = 10_000;
/** Default most contacts and pending registrations per IP address (PROTOCOL.md §6.3). */
export const DEFAULT_MAX_PER_IP = 64;
/** Default interval of the 'relay stats' log line, in ms. */
export const DEFAULT_STATS_INTERVAL_MS = 60_000;
/** Fewest pending registrations held at once (more when maxContacts is larger): a small relay still lets newcomers through. */
const MIN_PENDING_ENTRIES = 10_000;
/** Largest value of the count options (rateLimit, maxContacts, maxPerIp). */
const MAX_LIMIT = 1_000_000;

/** How to start a relay. Every field is optional. */
export interface RelayOptions {
  /** Address to bind. Default `'127.0.0.1'`. An IPv6 literal makes a `udp6` socket, anything else `udp4`. */
  host?: string;
  /** UDP port to bind, 0–65535; 0 = any free port. Default 8081 (DEFAULT_RELAY_PORT). */
  port?: number;
  /** Heartbeat interval told to clients in `welcome`, in ms (1 – 2^32-1). Default HEARTBEAT_INTERVAL_MS (5000). */
  heartbeatIntervalMs?: number;
  /** Silence after which a protocol client is dropped, in ms (1 – 2^32-1). Default PRESENCE_TIMEOUT_MS (15000). */
  presenceTimeoutMs?: number;
  /**
   * Whether plain-text UDP peers (`nc -u`, the classic Python client) take
   * part in the chat (plainPeers.ts). Default true. When false, their text
   * is dropped as `plain-peers-off`.
   */
  plainPeers?: boolean;
  /** Silence after which a plain-text peer is dropped, in ms (1 – 2^32-1). Default 300000 (5 minutes). */
  plainPeerTimeoutMs?: number;
  /** How often expiry is checked, in ms. Default 1000. */
  sweepIntervalMs?: number;
  /** Where events are logged. Default: a silent logger (the client embeds the relay under a full-screen UI). */
  logger?: Logger;
  /** Called after a contact registered (a client, or a plain peer on its first text). Exceptions are logged and ignored. */
  onJoin?: (contact: RelayContactInfo) => void;
  /**
   * Called after a contact was removed (`renamed`: a plain peer's address
   * registered as a client). Exceptions are logged and ignored.
   */
  onLeave?: (contact: RelayContactInfo, reason: DepartureReason) => void;
  /**
   * Called after a client renamed itself (`contact` has the new name, `from`
   * is the old one; no onLeave/onJoin for it). Exceptions are logged and ignored.
   */
  onRename?: (contact: RelayContactInfo, from: string) => void;
  /**
   * Simulate an unreliable network on the relay's receive path (demos and
   * tests; see LossSimulator): rates 0 to 1 of received datagrams dropped,
   * duplicated, reordered, and the seed (default 1). Default: all 0, no
   * simulation (and no cost). A simulated drop "never arrived": it is not
   * counted in `stats()` (not in `datagramsIn`, not in `dropped`), only in
   * `simulationStats()`; a simulated duplicate is counted twice in `stats()`.
   */
  simulate?: Partial<SimulateOptions>;
  /**
   * Shared secret (`createAuthKey`; `loadSecret` reads one from a file or
   * UDPCHAT_SECRET): every protocol datagram must then be signed with it and
   * the relay signs what it sends; plain-text peers are refused
   * (PROTOCOL.md §6.2). Default: none (an open relay).
   */
  secret?: AuthKey;
  /**
   * Datagrams/s accepted per source address (IP and port), bursts of twice
   * that; excess is dropped before decoding (PROTOCOL.md §6.3). 0 = no limit
   * (benchmarks). Whole number, 0 – 1 000 000. Default 200.
   */
  rateLimit?: number;
  /** Most contacts (clients and plain peers) at once; beyond: RELAY_FULL. Whole number, 1 – 1 000 000. Default 10 000. */
  maxContacts?: number;
  /**
   * Most contacts and pending registrations per IP address; beyond:
   * TOO_MANY_REGISTRATIONS. 0 = no cap. Whole number, 0 – 1 000 000. Default 64.
   */
  maxPerIp?: number;
  /** Interval of the 'relay stats' log line, in ms; 0 = never (`logStats()` still works). Default 60 000. */
  statsIntervalMs?: number;
  /**
   * True when the relay runs inside a udpchat client (the client's hosting,
   * apps/client/src/net/hosting.ts): told to every client in `welcome`
   * (`hostedByClient`, PROTOCOL.md §4.2), so that clients take over the port
   * of a client-hosted relay that went away but never a headless relay's.
   * Default false (`udpchat-relay`).
   */
  hostedByClient?: boolean;
  /** Roster changes remembered for deltas (PROTOCOL.md §6.7), at least 1. Default 4096 (ROSTER_LOG_CAPACITY). */
  rosterLogCapacity?: number;
  /**
   * The relay's store file (name bindings, offline messages, receipts;
   * PROTOCOL.md §6.5–6.6), e.g. `$XDG_STATE_HOME/udpchat/relay.db`; null or
   * absent: in memory (`--ephemeral`), forgotten when the relay stops.
   */
  storeFile?: string | null;
  /** Bounds of the offline messages per recipient; each defaults to DEFAULT_OFFLINE_LIMITS (1,000, 1 MiB, 7 days). */
  offlineLimits?: Partial<OfflineLimits>;
}

/** A running relay. */
export interface Relay {
  /** Bound address. */
  readonly address: RelayAddress;
  /** Number of registered contacts right now, plain peers included. */
  readonly contactCount: number;
  /** Snapshot of the counters (accepted + malformed + empty + unauthenticated + rateLimited === datagramsIn). */
  stats(): RelayStats;
  /** Logs one 'relay stats' line (info) with the counters, and returns them (what SIGUSR1 does in `udpchat-relay`). */
  logStats(): RelayStats;
  /** Whether the relay runs with a shared secret. */
  readonly sharedSecret: boolean;
  /** Whether the relay says in `welcome` that a client hosts it (`RelayOptions.hostedByClient`). */
  readonly hostedByClient: boolean;
  /** What is simulated, e.g. `simulating loss 20%, duplicate 0%, reorder 0% (seed 1)`; null when nothing is. */
  readonly simulation: string | null;
  /** The simulator's counters (datagrams received before faults, dropped, duplicated, reordered); null when nothing is simulated. */
  simulationStats(): SimulatorStats | null;
  /** Snapshot of the registered contacts (plain peers included), in registration order. */
  contacts(): RelayContactInfo[];
  /**
   * Tells every protocol client the relay is going away (`bye` with `reason`, default
   * 'relay shutting down', cut to 255 bytes), waits at most ~200 ms for those
   * sends (plain peers are told nothing), closes the socket and clears the timers. Idempotent: later calls
   * return the same promise. Never rejects. Resolves within ~250 ms.
   */
  stop(reason?: string): Promise<void>;
}

/** How long `stop` waits for the byes' send callbacks, in ms. */
const STOP_SEND_WAIT_MS = 200;
/** How long `stop` waits for the socket to close, in ms. */
const STOP_CLOSE_WAIT_MS = 50;
const U32_MAX = 0xffff_ffff;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
}

function isAuthKey(value: unknown): value is AuthKey {
  return typeof value === 'object' && value !== null && 'key' in value && value.key instanceof KeyObject && value.key.type === 'secret';
}


/**
 * Starts a relay: binds a UDP socket (no address reuse: one relay per port)
 * and serves until `stop()`.
 * @returns the running relay, once bound; logs 'relay started' {address, port, family, plainPeers}
 *   (plus `simulate` and a warn line 'simulating an unreliable network' when simulating).
 * @throws RangeError (as a rejection) for an out-of-range port, interval or limit, a non-boolean `plainPeers`,
 *   a `secret` that is not an AuthKey, or a `simulate` rate outside 0..1 (NaN included) or a bad seed.
 * @throws RelayStartError (as a rejection) when the socket cannot be bound:
 *   code ADDRESS_IN_USE ("port 8081 is in use"), ADDRESS_NOT_AVAILABLE,
 *   PERMISSION_DENIED or BIND_FAILED.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_RELAY_PORT;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
  const presenceTimeoutMs = options.presenceTimeoutMs ?? PRESENCE_TIMEOUT_MS;
  const plainPeers = options.plainPeers ?? true;
  const plainPeerTimeoutMs = options.plainPeerTimeoutMs ?? PLAIN_PEER_TIMEOUT_MS;
  const sweepIntervalMs = options.sweepIntervalMs ?? 1000;
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const maxContacts = options.maxContacts ?? DEFAULT_MAX_CONTACTS;
  const maxPerIp = options.maxPerIp ?? DEFAULT_MAX_PER_IP;
  const statsIntervalMs = options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS;
  const secret = options.secret;
  const hostedByClient = options.hostedByClient ?? false;
  const log = options.logger ?? silentLogger();
  if (typeof host !== 'string' || host.length === 0) throw new RangeError('host must be a non-empty string');
  checkInteger('port', port, 0, 65535);
  checkInteger('heartbeatIntervalMs', heartbeatIntervalMs, 1, U32_MAX);
  checkInteger('presenceTimeoutMs', presenceTimeoutMs, 1, U32_MAX);
  checkInteger('plainPeerTimeoutMs', plainPeerTimeoutMs, 1, U32_MAX);
  if (typeof plainPeers !== 'boolean') throw new RangeError('plainPeers must be true or false');
  if (typeof hostedByClient !== 'boolean') throw new RangeError('hostedByClient must be true or false');
  checkInteger('sweepIntervalMs', sweepIntervalMs, 1, 2 ** 31 - 1);
  checkInteger('rateLimit', rateLimit, 0, MAX_LIMIT);
  checkInteger('maxContacts', maxContacts, 1, MAX_LIMIT);
  checkInteger('maxPerIp', maxPerIp, 0, MAX_LIMIT);
  checkInteger('statsIntervalMs', statsIntervalMs, 0, 2 ** 31 - 1);
  if (secret !== undefined && !isAuthKey(secret)) throw new RangeError('secret must be an AuthKey made by createAuthKey');
  const simulate = resolveSimulateOptions(options.simulate ?? {});
  const offlineLimits: OfflineLimits = { ...DEFAULT_OFFLINE_LIMITS, ...options.offlineLimits };
  checkInteger('offlineLimits.maxMessages', offlineLimits.maxMessages, 0, MAX_LIMIT);
  checkInteger('offlineLimits.maxBytes', offlineLimits.maxBytes, 0, 2 ** 40);
  checkInteger('offlineLimits.maxAgeMs', offlineLimits.maxAgeMs, 1, 2 ** 53 - 1);

  const socket = await bindSocket(host, port, log); // first: a port in use is said as such (probe.ts), whatever the store
  let store: RelayStore;
  try {
    store = openRelayStore(options.storeFile ?? null); // StoreError CORRUPT, LOCKED, TOO_NEW, IO
  } catch (err) {
    await closeUdpSocket(socket, STOP_CLOSE_WAIT_MS);
    throw err;
  }

  const raw = socket.address();
  const address: RelayAddress = Object.freeze({
    address: raw.address,
    port: raw.port,
    family: raw.family === 'IPv6' || (raw.family as unknown) === 6 ? 'IPv6' : 'IPv4',
  });
  const now = (): number => performance.now();
  const core = createRelayCore({
    address,
    out: socket,
    now,
    wallClock: () => Date.now(),
    logger: log,
    heartbeatIntervalMs,
    presenceTimeoutMs,
    plainPeers,
    plainPeerTimeoutMs,
    rateLimit,
    maxContacts,
    maxPerIp,
    maxPending: Math.max(maxContacts, MIN_PENDING_ENTRIES),
    secret,
    hostedByClient,
    ...(options.rosterLogCapacity !== undefined && { rosterLogCapacity: options.rosterLogCapacity }),
    store,
    offlineLimits,
    onJoin: options.onJoin,
    onLeave: options.onLeave,
    onRename: options.onRename,
  });
  // Only in the path when some fault is asked for.
  const simulator = LossSimulator.isActive(simulate) ? new LossSimulator(simulate) : null;
  // Held relay-acks (PROTOCOL.md §4.11) and roster changes held by the push pacing (§6.7) need a timer only while some wait: one at a time, for the earliest.
  let ticker: NodeJS.Timeout | undefined;
  const tick = (): void => {
    ticker = undefined;
    core.tick();
    arm();
  };
  const arm = (): void => {
    if (ticker !== undefined || stopping !== undefined) return;
    const at = core.nextDeadline();
    if (at === Number.POSITIVE_INFINITY) return;
    ticker = setTimeout(tick, Math.max(0, Math.ceil(at - now())));
    ticker.unref();
  };
  const receive = (bytes: Buffer, from: RemoteInfo): void => {
    core.receive(bytes, from);
    if (ticker === undefined) arm();
  };
  const onDatagram = simulator ? simulator.wrap(receive) : receive;
  socket.on('message', onDatagram);

  const sweeper = setInterval(() => core.sweep(), sweepIntervalMs);
  sweeper.unref();

  const snapshot = (): RelayStats => core.stats();
  const logStats = (): RelayStats => {
    const s = snapshot();
    log.info(s, 'relay stats');
    return s;
  };
  const statsTimer = statsIntervalMs > 0 ? setInterval(logStats, statsIntervalMs) : undefined;
  statsTimer?.unref();

  log.info(
    {
      address: address.address,
      port: address.port,
      family: address.family,
      plainPeers: plainPeers && secret === undefined,
      sharedSecret: secret !== undefined,
      rateLimit,
      maxContacts,
      maxPerIp,
      hostedByClient,
      store: store.file ?? 'in memory',
      ...(simulator ? { simulate } : {}),
    },
    'relay started',
  );
  if (secret !== undefined && plainPeers) log.info('plain-text peers are refused in shared-secret mode');
  if (simulator) log.warn({ simulate, simulation: simulator.describe() }, 'simulating an unreliable network');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'relay shutting down'): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(sweeper);
      clearInterval(statsTimer);
      clearTimeout(ticker);
      socket.off('message', onDatagram);
      simulator?.close();
      await core.sayBye(reason, STOP_SEND_WAIT_MS);
      core.flushLog(true);
      await closeUdpSocket(socket, STOP_CLOSE_WAIT_MS);
      store.close();
      log.info({ ...core.stats(), contacts: 0, pending: 0, ...(simulator ? { simulated: simulator.stats() } : {}) }, 'relay stopped');
    })();
    return stopping;
  };

  return {
    address,
    get contactCount() {
      return core.contactCount;
    },
    stats: snapshot,
    logStats,
    sharedSecret: secret !== undefined,
    hostedByClient,
    simulation: simulator ? simulator.describe() : null,
    simulationStats: () => (simulator ? simulator.stats() : null),
    contacts: () => core.contacts(),
    stop,
  };
}
