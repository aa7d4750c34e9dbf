/**
 * Cluster mode's settings (`RelayOptions.cluster`, `--cluster URL
 * [--relay-id ID]`): where NATS is, who this relay is, the subjects, and the
 * failure-detection timings (CLUSTER.md). Pure: no NATS import here, so the
 * single relay can type its options without loading the cluster.
 */
import { hostname } from 'node:os';

/** Default subject prefix: relays with the same prefix on the same NATS server are one cluster. */
export const DEFAULT_CLUSTER_PREFIX = 'udpchat';
/** How often a relay says it is alive, in ms (CLUSTER.md "Relay failure"). */
export const CLUSTER_HEARTBEAT_MS = 1000;
/** A relay not heard for this long is down, in ms. */
export const CLUSTER_DOWN_AFTER_MS = 3000;
/** How long the users of a relay that is down (or moving) stay listed as moving, in ms. */
export const CLUSTER_GRACE_MS = 15_000;
/** How long the first connection to NATS may take before the relay gives up, in ms. */
export const CLUSTER_CONNECT_TIMEOUT_MS = 5000;

/** A relay id: 1–64 of letters, digits, `_`, `-`, `:` (it is one token of a NATS subject). */
export const RELAY_ID_PATTERN = /^[A-Za-z0-9_:-]{1,64}$/;
/** A subject prefix: dot-separated tokens of letters, digits, `_`, `-`. */
const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}(\.[A-Za-z0-9_-]{1,32}){0,3}$/;

/** How to join a cluster. Only `url` is required; the timings are for tests (never change them in production). */
export interface ClusterOptions {
  /** The NATS server, `nats://HOST:PORT` (several, comma-separated, for a NATS cluster). */
  url: string;
  /** This relay's id, unique in the cluster (RELAY_ID_PATTERN). Default `defaultRelayId(port)`: `<hostname>:<port>`. */
  relayId?: string;
  /** Subject prefix (default DEFAULT_CLUSTER_PREFIX). */
  prefix?: string;
  /** Relay heartbeat interval, ms (default CLUSTER_HEARTBEAT_MS). */
  heartbeatMs?: number;
  /** Silence after which a relay is down, ms (default CLUSTER_DOWN_AFTER_MS). */
  downAfterMs?: number;
  /** How long a down or moving relay's users are kept as moving, ms (default CLUSTER_GRACE_MS). */
  graceMs?: number;
  /** First connection timeout, ms (default CLUSTER_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
}

/** `ClusterOptions` with every default filled in and checked. */
export interface ResolvedClusterOptions {
  readonly servers: string[];
  readonly relayId: string;
  readonly prefix: string;
  readonly heartbeatMs: number;
  readonly downAfterMs: number;
  readonly graceMs: number;
  readonly connectTimeoutMs: number;
}

/** The subjects of a cluster (CLUSTER.md "Subjects"). */
export interface ClusterSubjects {
  /** Presence and relay heartbeats, to every relay: `<prefix>.presence`. */
  readonly presence: string;
  /** Group chats, to every relay: `<prefix>.group`. */
  readonly group: string;
  /** To one relay (routed datagrams, sync, snapshots, take-overs): `<prefix>.relay.<id>`. */
  relay(id: string): string;
}

/** The subjects under `prefix`. */
export function clusterSubjects(prefix: string): ClusterSubjects {
  return { presence: `${prefix}.presence`, group: `${prefix}.group`, relay: (id) => `${prefix}.relay.${id}` };
}

/**
 * The default relay id: `<hostname>:<port>`, the hostname's dots and other
 * characters a subject token cannot hold written as `-`, cut to 64 characters.
 */
export function defaultRelayId(port: number, host: string = hostname()): string {
  const name = host.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 57) || 'relay';
  return `${name}:${port}`;
}

/**
 * Checks a `--cluster` URL list: each `nats://HOST:PORT` (or `tls://`, or a bare `HOST:PORT`).
 * @returns the servers, or the one-line reason it is not one.
 */
export function parseClusterUrl(text: string): { servers: string[] } | { error: string } {
  const servers = text.split(',').map((s) => s.trim());
  for (const server of servers) {
    const withScheme = /^[a-z]+:\/\//.test(server) ? server : `nats://${server}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      return { error: `--cluster must be nats://HOST:PORT (got ${JSON.stringify(server)})` };
    }
    if (!['nats:', 'tls:'].includes(url.protocol) || url.hostname === '' || (url.pathname !== '' && url.pathname !== '/')) {
      return { error: `--cluster must be nats://HOST:PORT (got ${JSON.stringify(server)})` };
    }
  }
  return { servers };
}

function checkMs(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) throw new RangeError(`cluster.${name} must be a whole number of ms ≥ 1 (got ${String(value)})`);
}

/**
 * Fills in the defaults of `options` for a relay bound to `port`.
 * @throws RangeError for a malformed URL, relay id or prefix, or timings that are not whole ms
 *   (or a down time not above the heartbeat interval).
 */
export function resolveClusterOptions(options: ClusterOptions, port: number): ResolvedClusterOptions {
  const parsed = typeof options.url === 'string' ? parseClusterUrl(options.url) : { error: 'cluster.url must be a string' };
  if ('error' in parsed) throw new RangeError(parsed.error);
  const relayId = options.relayId ?? defaultRelayId(port);
  if (!RELAY_ID_PATTERN.test(relayId)) throw new RangeError(`the relay id must be 1 to 64 letters, digits, "_", "-" or ":" (got ${JSON.stringify(relayId)})`);
  const prefix = options.prefix ?? DEFAULT_CLUSTER_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) throw new RangeError(`the cluster prefix must be dot-separated letters, digits, "_" or "-" (got ${JSON.stringify(prefix)})`);
  const heartbeatMs = options.heartbeatMs ?? CLUSTER_HEARTBEAT_MS;
  const downAfterMs = options.downAfterMs ?? CLUSTER_DOWN_AFTER_MS;
  const graceMs = options.graceMs ?? CLUSTER_GRACE_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? CLUSTER_CONNECT_TIMEOUT_MS;
  for (const [name, value] of Object.entries({ heartbeatMs, downAfterMs, graceMs, connectTimeoutMs })) checkMs(name, value);
  if (downAfterMs <= heartbeatMs) throw new RangeError(`cluster.downAfterMs (${downAfterMs}) must be longer than cluster.heartbeatMs (${heartbeatMs})`);
  return { servers: parsed.servers, relayId, prefix, heartbeatMs, downAfterMs, graceMs, connectTimeoutMs };
}

/** The cluster could not be joined at start: NATS unreachable, a wrong URL (the relay exits 1 with `message`). */
export class ClusterStartError extends Error {
  override readonly name = 'ClusterStartError';
}
