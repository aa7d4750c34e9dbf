/**
 * The relay's options (`RelayOptions`, what `startRelay` takes) and their
 * checks: every field resolved to its default and checked once, here
 * (`resolveRelayOptions`), so that relay.ts only wires things together.
 */
import { KeyObject } from 'node:crypto';
import { DEFAULT_RELAY_PORT, HEARTBEAT_INTERVAL_MS, PRESENCE_TIMEOUT_MS, type AuthKey } from '@udpchat/protocol';
import type { Logger } from 'pino';
import { resolveSimulateOptions, DEFAULT_RATE_LIMIT, type SimulateOptions } from '@udpchat/net';
import { silentLogger } from './observe/log.js';
import type { DepartureReason } from './rules/context.js';
import { PLAIN_PEER_TIMEOUT_MS } from './rules/plainPeers.js';
import type { RelayContactInfo } from './relayCore.js';
import { DEFAULT_OFFLINE_LIMITS, type OfflineLimits } from './state/offlineDeliveries.js';
import type { ClusterOptions } from './cluster/options.js';

/** Default most contacts at once (PROTOCOL.md §6.3). */
export const DEFAULT_MAX_CONTACTS = 10_000;
/** Default most contacts and pending registrations per IP address (PROTOCOL.md §6.3). */
export const DEFAULT_MAX_PER_IP = 64;
/** Default interval of the 'relay stats' log line, in ms. */
export const DEFAULT_STATS_INTERVAL_MS = 60_000;
/** Fewest pending registrations held at once (more when maxContacts is larger): a small relay still lets newcomers through. */
export const MIN_PENDING_ENTRIES = 10_000;
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
   * Not used in cluster mode: the store is then in JetStream (CLUSTER-STORE.md).
   */
  storeFile?: string | null;
  /** Bounds of the offline messages per recipient; each defaults to DEFAULT_OFFLINE_LIMITS (1,000, 1 MiB, 7 days). */
  offlineLimits?: Partial<OfflineLimits>;
  /**
   * Cluster mode (apps/server/src/cluster/, packages/protocol/CLUSTER.md): this
   * relay joins the relays on the same NATS server and prefix as one chat.
   * Its store (name bindings, offline messages, receipts) is then the
   * JetStream store on the cluster's NATS connection (`openJetStreamStore`),
   * shared by every relay; a NATS server without JetStream fails the start
   * (ClusterStartError). Absent (the default): a single relay; nothing of the
   * cluster (NATS, JetStream) is loaded.
   */
  cluster?: ClusterOptions;
}

const U32_MAX = 0xffff_ffff;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
}

function isAuthKey(value: unknown): value is AuthKey {
  return typeof value === 'object' && value !== null && 'key' in value && value.key instanceof KeyObject && value.key.type === 'secret';
}

/** `RelayOptions` with every default filled in and checked. */
export interface ResolvedRelayOptions {
  readonly host: string;
  readonly port: number;
  readonly heartbeatIntervalMs: number;
  readonly presenceTimeoutMs: number;
  readonly plainPeers: boolean;
  readonly plainPeerTimeoutMs: number;
  readonly sweepIntervalMs: number;
  readonly rateLimit: number;
  readonly maxContacts: number;
  readonly maxPerIp: number;
  readonly statsIntervalMs: number;
  readonly secret: AuthKey | undefined;
  readonly hostedByClient: boolean;
  readonly logger: Logger;
  readonly simulate: SimulateOptions;
  readonly offlineLimits: OfflineLimits;
}

/**
 * Fills in the defaults of `options` and checks them.
 * @throws RangeError for an out-of-range port, interval or limit, a non-boolean `plainPeers`,
 *   a `secret` that is not an AuthKey, or a `simulate` rate outside 0..1 (NaN included) or a bad seed.
 */
export function resolveRelayOptions(options: RelayOptions): ResolvedRelayOptions {
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
  const logger = options.logger ?? silentLogger();
  return {
    host, port, heartbeatIntervalMs, presenceTimeoutMs, plainPeers, plainPeerTimeoutMs, sweepIntervalMs,
    rateLimit, maxContacts, maxPerIp, statsIntervalMs, secret, hostedByClient, logger, simulate, offlineLimits,
  };
}
