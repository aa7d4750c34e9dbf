/**
 * The relay: one UDP socket wired to the contact table and the router.
 * Binds, receives (one datagram = one message), sends, sweeps presence, stops.
 */
import type { RemoteInfo } from 'node:dgram';
import { closeUdpSocket, LossSimulator, type SimulatorStats } from '@udpchat/net';
import { bindSocket } from './io/socket.js';
import type { RelayStats } from './observe/stats.js';
import { createRelayCore, type RelayAddress, type RelayContactInfo } from './relayCore.js';
import { MIN_PENDING_ENTRIES, resolveRelayOptions, type RelayOptions } from './relayOptions.js';
import { openMemoryStore } from './store/memoryStore.js';
import { openRelayStore, type RelayStore } from './store/relayStore.js';
import { resolveClusterOptions, type ResolvedClusterOptions } from './cluster/options.js';
import type { ClusterMode } from './clusterMode.js';
import type { NatsConnection } from 'nats';

export type { RelayAddress, RelayContactInfo } from './relayCore.js';
export { DEFAULT_MAX_CONTACTS, DEFAULT_MAX_PER_IP, DEFAULT_STATS_INTERVAL_MS, type RelayOptions } from './relayOptions.js';

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
   * In cluster mode it first tells the other relays its users are moving (waiting at most 300 ms
   * for NATS), says `relay moving: <reason>` in the byes, and closes its NATS connection
   * (at most 200 ms): within ~750 ms (CLUSTER.md §6).
   */
  stop(reason?: string): Promise<void>;
  /**
   * Cluster mode: this relay's id and its NATS connection (for the cluster
   * store; tests close it to play a relay whose NATS link died); null for a single relay.
   */
  readonly cluster: { readonly relayId: string; readonly connection: NatsConnection } | null;
}

/** How long `stop` waits for the byes' send callbacks, in ms. */
const STOP_SEND_WAIT_MS = 200;
/** How long `stop` waits for the cluster store's writes (cluster mode), in ms, at the same time as the byes. */
const STOP_SETTLE_WAIT_MS = 200;
/** How long `stop` waits for the socket to close, in ms. */
const STOP_CLOSE_WAIT_MS = 50;
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
 * @throws StoreError (as a rejection) when the SQLite store cannot be opened (single relay).
 * @throws ClusterStartError (as a rejection) in cluster mode when NATS is not reachable or its JetStream store cannot be opened.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const o = resolveRelayOptions(options);
  const { host, port, heartbeatIntervalMs, presenceTimeoutMs, plainPeers, plainPeerTimeoutMs, sweepIntervalMs } = o;
  const { rateLimit, maxContacts, maxPerIp, statsIntervalMs, secret, hostedByClient, simulate, offlineLimits } = o;
  const log = o.logger;

  if (options.cluster !== undefined) resolveClusterOptions(options.cluster, port); // RangeError before anything is bound

  const socket = await bindSocket(host, port, log); // first: a port in use is said as such (probe.ts), whatever the store
  const raw = socket.address();
  const address: RelayAddress = Object.freeze({
    address: raw.address,
    port: raw.port,
    family: raw.family === 'IPv6' || (raw.family as unknown) === 6 ? 'IPv6' : 'IPv4',
  });
  const now = (): number => performance.now();
  let mode: ClusterMode | undefined;
  let store: RelayStore;
  try {
    if (options.cluster !== undefined) {
      // Cluster mode: NATS and the JetStream store are loaded only here (a single relay never imports them); no SQLite store.
      const clusterOptions: ResolvedClusterOptions = resolveClusterOptions(options.cluster, address.port);
      const { startClusterMode } = await import('./clusterMode.js');
      mode = await startClusterMode(clusterOptions, { log, now, onChange: () => arm(), socket }); // ClusterStartError
      store = mode.store;
    } else {
      // In memory without a file (--ephemeral): maps, no SQLite to load (store/memoryStore.ts).
      store = options.storeFile ? openRelayStore(options.storeFile) : openMemoryStore(); // StoreError CORRUPT, LOCKED, TOO_NEW, IO
    }
  } catch (err) {
    await closeUdpSocket(socket, STOP_CLOSE_WAIT_MS);
    throw err;
  }
  const cluster = mode?.cluster;
  const core = createRelayCore({
    address,
    out: mode?.out ?? socket,
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
    ...(cluster !== undefined && { cluster: cluster.attach }),
  });
  // Only in the path when some fault is asked for.
  const simulator = LossSimulator.isActive(simulate) ? new LossSimulator(simulate) : null;
  // Held relay-acks (PROTOCOL.md §4.11) and roster changes held by the push pacing (§6.7) need a timer only while some wait: one at a time, for the earliest.
  let ticker: NodeJS.Timeout | undefined;
  /** Set by `stop` (declared before anything can call `arm`: the cluster's first tick, at `start`, does). */
  let stopping: Promise<void> | undefined;
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
  // Another relay stored a chat, made a receipt, bound or released a name: acted on for the users here.
  const unwatchStore = mode?.store.onChange((change) => {
    core.storeChanged(change);
    arm();
  });

  const snapshot = (): RelayStats =>
    mode ? { ...core.stats(), cluster: mode.cluster.stats(), store: { ...mode.store.stats(), ...mode.store.counts(), held: { ...mode.held } } } : core.stats();
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
      ...(cluster ? { relayId: cluster.relayId } : {}),
      ...(simulator ? { simulate } : {}),
    },
    'relay started',
  );
  if (secret !== undefined && plainPeers) log.info('plain-text peers are refused in shared-secret mode');
  if (simulator) log.warn({ simulate, simulation: simulator.describe() }, 'simulating an unreliable network');

  const stop = (reason = 'relay shutting down'): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(sweeper);
      clearInterval(statsTimer);
      clearTimeout(ticker);
      socket.off('message', onDatagram);
      simulator?.close();
      // Cluster mode: the others hear that our users are moving before those are told to move (they must not find their names taken).
      await cluster?.leave(reason);
      unwatchStore?.();
      // Meanwhile the store's last writes (a receipt, a release) reach JetStream, before NATS closes.
      await Promise.all([core.sayBye(cluster ? `relay moving: ${reason}` : reason, STOP_SEND_WAIT_MS), mode?.settle(STOP_SETTLE_WAIT_MS)]);
      core.flushLog(true);
      await closeUdpSocket(socket, STOP_CLOSE_WAIT_MS);
      store.close();
      await cluster?.close();
      log.info({ ...core.stats(), contacts: 0, pending: 0, ...(simulator ? { simulated: simulator.stats() } : {}) }, 'relay stopped');
    })();
    return stopping;
  };

  cluster?.start(); // last: its first tick may arm the timer

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
    cluster: cluster ? { relayId: cluster.relayId, connection: cluster.connection } : null,
  };
}
