/**
 * The relay: one UDP socket wired to the contact table and the router.
 * Binds, receives (one datagram = one message), sends, sweeps presence, stops.
 */
import type { RemoteInfo } from 'node:dgram';
import { DEFAULT_RELAY_PORT, encode, HEARTBEAT_INTERVAL_MS, PRESENCE_TIMEOUT_MS, type ContactKind } from '@udpchat/protocol';
import type { Level, Logger } from 'pino';
import { ContactTable, type Contact } from './contacts.js';
import type { DepartureReason, RouterContext } from './context.js';
import { formatEndpoint, type Endpoint } from './endpoint.js';
import { classify } from './intake.js';
import { RateLimitedLog, silentLogger } from './log.js';
import { LossSimulator, resolveSimulateOptions, type SimulateOptions, type SimulatorStats } from './lossSimulator.js';
import { sweepExpired } from './membership.js';
import { handlePlainText, PLAIN_PEER_TIMEOUT_MS } from './plainPeers.js';
import { truncateUtf8 } from './replies.js';
import { route } from './router.js';
import { bindSocket, Sender } from './socket.js';
import { StatsCounter, type DropReason, type RelayStats } from './stats.js';

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
   * Called after a contact was removed (`renamed`: it registered another
   * name, or a plain peer's address registered as a client). Exceptions are
   * logged and ignored.
   */
  onLeave?: (contact: RelayContactInfo, reason: DepartureReason) => void;
  /**
   * Simulate an unreliable network on the relay's receive path (demos and
   * tests; see LossSimulator): rates 0 to 1 of received datagrams dropped,
   * duplicated, reordered, and the seed (default 1). Default: all 0, no
   * simulation (and no cost). A simulated drop "never arrived": it is not
   * counted in `stats()` (not in `datagramsIn`, not in `dropped`), only in
   * `simulationStats()`; a simulated duplicate is counted twice in `stats()`.
   */
  simulate?: Partial<SimulateOptions>;
}

/** A registered contact, as reported by `Relay.contacts()` and the join/leave callbacks. */
export interface RelayContactInfo {
  /** Registered name; for a plain peer its address, `127.0.0.1:54321` / `[::1]:54321`. */
  readonly name: string;
  /** `client` (speaks the protocol) or `plain` (a plain-text UDP peer). */
  readonly type: ContactKind;
  /** Its IP address as the relay sees it. */
  readonly address: string;
  /** Its UDP port as the relay sees it. */
  readonly port: number;
  /** Time since its last valid datagram (for a plain peer: its last text), in ms. */
  readonly idleMs: number;
}

/** The bound address of a relay. */
export interface RelayAddress {
  /** IP address bound, e.g. `127.0.0.1`. */
  address: string;
  /** UDP port bound (the real one when 0 was asked). */
  port: number;
  /** Address family of the socket. */
  family: 'IPv4' | 'IPv6';
}

/** A running relay. */
export interface Relay {
  /** Bound address. */
  readonly address: RelayAddress;
  /** Number of registered contacts right now, plain peers included. */
  readonly contactCount: number;
  /** Snapshot of the counters (accepted + sum of dropped === datagramsIn). */
  stats(): RelayStats;
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
/** Largest `bye.reason`, in UTF-8 bytes (str8). */
const MAX_BYE_REASON_BYTES = 255;
const U32_MAX = 0xffff_ffff;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
}

function infoOf(contact: Contact, now: number): RelayContactInfo {
  return {
    name: contact.name,
    type: contact.type,
    address: contact.endpoint.address,
    port: contact.endpoint.port,
    idleMs: Math.max(0, Math.round(now - contact.lastSeen)),
  };
}

/**
 * Starts a relay: binds a UDP socket (no address reuse: one relay per port)
 * and serves until `stop()`.
 * @returns the running relay, once bound; logs 'relay started' {address, port, family, plainPeers}
 *   (plus `simulate` and a warn line 'simulating an unreliable network' when simulating).
 * @throws RangeError (as a rejection) for an out-of-range port or interval, a non-boolean `plainPeers`,
 *   or a `simulate` rate outside 0..1 (NaN included) or a bad seed.
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
  const log = options.logger ?? silentLogger();
  if (typeof host !== 'string' || host.length === 0) throw new RangeError('host must be a non-empty string');
  checkInteger('port', port, 0, 65535);
  checkInteger('heartbeatIntervalMs', heartbeatIntervalMs, 1, U32_MAX);
  checkInteger('presenceTimeoutMs', presenceTimeoutMs, 1, U32_MAX);
  checkInteger('plainPeerTimeoutMs', plainPeerTimeoutMs, 1, U32_MAX);
  if (typeof plainPeers !== 'boolean') throw new RangeError('plainPeers must be true or false');
  checkInteger('sweepIntervalMs', sweepIntervalMs, 1, 2 ** 31 - 1);
  const simulate = resolveSimulateOptions(options.simulate ?? {});

  const socket = await bindSocket(host, port, log);

  const raw = socket.address();
  const address: RelayAddress = Object.freeze({
    address: raw.address,
    port: raw.port,
    family: raw.family === 'IPv6' || (raw.family as unknown) === 6 ? 'IPv6' : 'IPv4',
  });
  const now = (): number => performance.now();
  const stats = new StatsCounter();
  const table = new ContactTable();
  const limited = new RateLimitedLog(log, { now });
  const sender = new Sender(socket, stats, limited);

  const notify = (what: string, call: () => void): void => {
    try {
      call();
    } catch (err) {
      log.error({ err }, `${what} callback threw`);
    }
  };

  const ctx: RouterContext = {
    contacts: table,
    out: sender,
    log,
    config: { heartbeatIntervalMs, presenceTimeoutMs, plainPeerTimeoutMs },
    now,
    events: {
      joined: (contact) => {
        if (options.onJoin) notify('onJoin', () => options.onJoin?.(infoOf(contact, now())));
      },
      left: (contact, reason) => {
        if (options.onLeave) notify('onLeave', () => options.onLeave?.(infoOf(contact, now()), reason));
      },
    },
  };

  const dropped = (reason: DropReason, from: Endpoint, bytes: number, detail?: string): void => {
    stats.drop(reason);
    const fromText = formatEndpoint(from);
    const msg = bytes === 0 ? `0-byte datagram from ${fromText}` : 'datagram dropped';
    // An empty line typed into nc is not worth a warning.
    const level: Level = reason === 'empty-text' ? 'debug' : 'warn';
    limited.log(reason, level, { from: fromText, reason, bytes, ...(detail ? { detail } : {}) }, msg);
  };

  const onMessage = (datagram: Buffer, rinfo: RemoteInfo): void => {
    const from: Endpoint = { address: rinfo.address, port: rinfo.port };
    stats.received(datagram.length);
    let counted = false;
    try {
      const intake = classify(datagram);
      switch (intake.kind) {
        case 'malformed':
          counted = true;
          dropped(intake.code, from, datagram.length, intake.detail);
          return;
        case 'empty':
          counted = true;
          dropped('empty-datagram', from, 0);
          return;
        case 'text': {
          if (!plainPeers) {
            counted = true;
            dropped('plain-peers-off', from, datagram.length);
            return;
          }
          const outcome = handlePlainText(ctx, intake.text, from);
          counted = true;
          if (outcome.handled) stats.accept();
          else dropped(outcome.reason, from, datagram.length, 'plain text');
          return;
        }
        case 'message': {
          const outcome = route(ctx, intake.message, from);
          counted = true;
          if (outcome.handled) stats.accept();
          else dropped(outcome.reason, from, datagram.length, intake.message.kind);
          return;
        }
      }
    } catch (err) {
      if (!counted) stats.drop('internal');
      try {
        limited.log('internal', 'error', { from: formatEndpoint(from), bytes: datagram.length, err }, 'datagram handling failed');
      } catch {
        // logging must not be what escapes the listener
      }
    }
  };
  // Only in the path when some fault is asked for.
  const simulator = LossSimulator.isActive(simulate) ? new LossSimulator(simulate) : null;
  const onDatagram = simulator ? simulator.wrap(onMessage) : onMessage;
  socket.on('message', onDatagram);

  const sweeper = setInterval(() => {
    try {
      sweepExpired(ctx);
      limited.flush();
    } catch (err) {
      log.error({ err }, 'presence sweep failed');
    }
  }, sweepIntervalMs);
  sweeper.unref();

  log.info(
    { address: address.address, port: address.port, family: address.family, plainPeers, ...(simulator ? { simulate } : {}) },
    'relay started',
  );
  if (simulator) log.warn({ simulate, simulation: simulator.describe() }, 'simulating an unreliable network');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'relay shutting down'): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(sweeper);
      socket.off('message', onDatagram);
      simulator?.close();
      const contacts = table.all();
      log.info({ reason, contacts: contacts.length }, 'relay stopping');
      try {
        const bye = encode({ kind: 'bye', reason: truncateUtf8(reason, MAX_BYE_REASON_BYTES) });
        const clients = contacts.filter((c) => c.type === 'client').map((c) => c.endpoint);
        await sender.sendAndWait(bye, clients, STOP_SEND_WAIT_MS);
      } catch (err) {
        log.error({ err }, 'could not say bye');
      }
      for (const c of contacts) table.remove(c);
      limited.flush(true);
      await sender.close(STOP_CLOSE_WAIT_MS);
      log.info({ ...stats.snapshot(0), ...(simulator ? { simulated: simulator.stats() } : {}) }, 'relay stopped');
    })();
    return stopping;
  };

  return {
    address,
    get contactCount() {
      return table.size;
    },
    stats: () => stats.snapshot(table.size),
    simulation: simulator ? simulator.describe() : null,
    simulationStats: () => (simulator ? simulator.stats() : null),
    contacts: () => table.all().map((c) => infoOf(c, now())),
    stop,
  };
}
