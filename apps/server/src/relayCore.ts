/**
 * The relay's core, sans socket and timers: the contact table, the router,
 * the guards and the counters, wired to a `DatagramSink` and a clock that
 * its driver gives it. `startRelay` (relay.ts) drives it with a UDP socket
 * and `setInterval`; the deterministic simulation drives it with an
 * in-memory bus and a virtual clock.
 */
import type { RemoteInfo } from 'node:dgram';
import { ReplayWindow, type AuthKey, type ContactKind } from '@udpchat/protocol';
import type { Logger } from 'pino';
import { RateLimiter } from '@udpchat/net';
import { AmplificationLimiter } from './guards/amplification.js';
import { ReplyThrottle } from './guards/replyThrottle.js';
import { Sender, type DatagramSink } from './io/socket.js';
import { RateLimitedLog } from './observe/log.js';
import { StatsCounter, type RelayStats } from './observe/stats.js';
import { createReceiver } from './receive/receive.js';
import type { ClusterAttachment, DepartureReason, RouterContext } from './rules/context.js';
import { sweepExpired } from './rules/membership.js';
import { flushPushes } from './rules/presence.js';
import { RelayAckScheduler } from './rules/relayAcks.js';
import { heldRelayAckSender } from './rules/router.js';
import { truncateUtf8 } from './rules/replies.js';
import { ContactTable, type Contact } from './state/contacts.js';
import { IpCount } from './state/ipCount.js';
import { PendingTable } from './state/sessions.js';
import { RosterLog, ROSTER_LOG_CAPACITY } from './state/rosterLog.js';
import { DEFAULT_OFFLINE_LIMITS, OfflineDeliveries, type OfflineLimits } from './state/offlineDeliveries.js';
import { resendStored } from './rules/offline.js';
import type { RelayStore } from './store/relayStore.js';
import type { StoreChange } from './cluster/store/types.js';
import { storeChanged } from './rules/storeChanges.js';

export type { DatagramSink } from './io/socket.js';

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

/** The relay core's settings, all resolved and checked (relay.ts checks `RelayOptions` and fills the defaults). */
export interface RelayCoreOptions {
  /** The relay's own address (for logs and the welcome's view of it). */
  address: RelayAddress;
  /** Where datagrams go. */
  out: DatagramSink;
  /** Monotonic clock, in ms (`performance.now`, or a virtual clock). */
  now: () => number;
  /** Wall clock, ms since the epoch: only for auth trailers (PROTOCOL.md §3.2). */
  wallClock: () => number;
  logger: Logger;
  heartbeatIntervalMs: number;
  presenceTimeoutMs: number;
  plainPeers: boolean;
  plainPeerTimeoutMs: number;
  /** Datagrams/s per source address, 0 = no limit. */
  rateLimit: number;
  maxContacts: number;
  maxPerIp: number;
  /** Most pending registrations held at once. */
  maxPending: number;
  secret: AuthKey | undefined;
  hostedByClient: boolean;
  /** Roster changes remembered for deltas (PROTOCOL.md §6.7); default ROSTER_LOG_CAPACITY (4096). */
  rosterLogCapacity?: number;
  /** Draws the roster epoch (a u32 other than 0); default random (node:crypto). For tests and the simulation. */
  rosterEpoch?: () => number;
  /**
   * Forward chats, acks and heartbeats by splicing their bytes (receive/fastPath.ts);
   * default true. False: every datagram is decoded and re-encoded (the slow
   * path, for tests that compare the two). Same bytes either way.
   */
  fastPath?: boolean;
  /** Name bindings, offline messages, receipts (store/relayStore.ts); `openRelayStore(null)` keeps them in memory. */
  store: RelayStore;
  /** Bounds of the offline messages per recipient (default DEFAULT_OFFLINE_LIMITS: 1,000, 1 MiB, 7 days). */
  offlineLimits?: OfflineLimits;
  /**
   * Cluster mode: called once with the core's context (before any datagram);
   * the attachment is told of the local contacts' changes and routes what is
   * meant for remote contacts (apps/server/src/cluster/). Absent: a single relay.
   */
  cluster?: (ctx: RouterContext) => ClusterAttachment;
  onJoin?: (contact: RelayContactInfo) => void;
  onLeave?: (contact: RelayContactInfo, reason: DepartureReason) => void;
  onRename?: (contact: RelayContactInfo, from: string) => void;
}

/** A relay core: feed it datagrams, sweep it periodically, read it. */
export interface RelayCore {
  /** Takes one datagram from `from` (one datagram = one message). Never throws for what the network sends. */
  receive(bytes: Buffer, from: RemoteInfo): void;
  /**
   * When `tick` is due next, in ms of the core's clock (+Infinity: nothing
   * waits): the oldest relay-ack held back (PROTOCOL.md §4.11), or the end
   * of the push pacing's gap while roster changes wait (§6.7). The driver
   * calls `tick` then (a timer); `receive` and `sweep` also send what is due.
   */
  nextDeadline(): number;
  /** Sends the held relay-acks that are due (and drops those an ack made redundant), and the waiting roster changes the pacing allows. Never throws. */
  tick(): void;
  /** Expires contacts, pending registrations and guard state; the driver calls it every `sweepIntervalMs`. */
  sweep(): void;
  /** Registered contacts of this relay right now, plain peers included (in cluster mode, the other relays' are not counted). */
  readonly contactCount: number;
  /** Snapshot of this relay's registered contacts (plain peers included), in registration order. */
  contacts(): RelayContactInfo[];
  /** Snapshot of the counters. */
  stats(): RelayStats;
  /** Accepted datagrams the forwarding fast path handled so far (a part of `stats().accepted`). */
  readonly fastPathHandled: number;
  /**
   * A graceful stop: `bye` with `reason` (cut to 255 bytes) to every protocol
   * client, waiting at most `maxWaitMs` for the sends; then the table is
   * emptied and nothing more is sent. Never rejects.
   */
  sayBye(reason: string, maxWaitMs: number): Promise<void>;
  /** Flushes rate-limited log lines (`all`: also those under their limit). */
  flushLog(all?: boolean): void;
  /** Cluster mode: another relay changed the store (`ClusterStore.onChange`); acted on for the users here (rules/storeChanges.ts). Never throws. */
  storeChanged(change: StoreChange): void;
}

/** Largest `bye.reason`, in UTF-8 bytes (str8). */
const MAX_BYE_REASON_BYTES = 255;
/** How often stored messages and receipts older than the age bound are deleted, in ms. */
const EXPIRE_EVERY_MS = 60_000;

/** What `contacts()` and the callbacks report of a contact at time `now`. */
export function infoOf(contact: Contact, now: number): RelayContactInfo {
  return {
    name: contact.name,
    type: contact.type,
    address: contact.endpoint.address,
    port: contact.endpoint.port,
    idleMs: Math.max(0, Math.round(now - contact.lastSeen)),
  };
}

/** Builds a relay core from resolved settings (no socket, no timers). */
export function createRelayCore(o: RelayCoreOptions): RelayCore {
  const { now, logger: log } = o;
  const stats = new StatsCounter();
  const ipCount = new IpCount();
  const table = new ContactTable(ipCount);
  const pending = new PendingTable(o.maxPending, ipCount);
  const amplification = new AmplificationLimiter();
  const throttle = new ReplyThrottle();
  const rateLimiter = o.rateLimit > 0 ? new RateLimiter(o.rateLimit) : null;
  const limited = new RateLimitedLog(log, { now });
  const sender = new Sender(o.out, stats, limited, amplification, o.secret, now);

  const notify = (what: string, call: () => void): void => {
    try {
      call();
    } catch (err) {
      log.error({ err }, `${what} callback threw`);
    }
  };
  const { heartbeatIntervalMs, presenceTimeoutMs, plainPeerTimeoutMs, maxContacts, maxPerIp, hostedByClient } = o;
  const roster = new RosterLog(o.rosterLogCapacity ?? ROSTER_LOG_CAPACITY, o.rosterEpoch);
  const ctx: RouterContext = {
    contacts: table,
    roster,
    pending,
    amplification,
    out: sender,
    log,
    config: { heartbeatIntervalMs, presenceTimeoutMs, plainPeerTimeoutMs, maxContacts, maxPerIp, hostedByClient },
    now,
    store: o.store,
    offline: { deliveries: new OfflineDeliveries(), limits: o.offlineLimits ?? DEFAULT_OFFLINE_LIMITS },
    wallClock: o.wallClock,
    events: {
      joined: (contact) => {
        cluster?.joined(contact);
        if (o.onJoin) notify('onJoin', () => o.onJoin?.(infoOf(contact, now())));
      },
      left: (contact, reason) => {
        cluster?.left(contact, reason);
        if (o.onLeave) notify('onLeave', () => o.onLeave?.(infoOf(contact, now()), reason));
      },
      renamed: (contact, from) => {
        cluster?.renamed(contact, from);
        if (o.onRename) notify('onRename', () => o.onRename?.(infoOf(contact, now()), from));
      },
    },
    relayAcks: new RelayAckScheduler(),
    cluster: undefined,
  };
  const cluster = o.cluster?.(ctx);
  ctx.cluster = cluster?.link;
  /** Publishes what the cluster queued (cluster mode). Never throws. */
  const flushCluster = (): void => {
    if (cluster === undefined) return;
    try {
      cluster.flush();
    } catch (err) {
      log.error({ err }, 'cluster publish failed');
    }
  };
  const releaseRelayAck = heldRelayAckSender(ctx);
  /** Sends the held relay-acks due now. */
  const flushRelayAcks = (): void => {
    try {
      ctx.relayAcks.flush(now(), releaseRelayAck);
    } catch (err) {
      log.error({ err }, 'relay-ack flush failed');
    }
  };

  const receiveOne = createReceiver({
    ctx,
    stats,
    rateLimiter,
    fastPath: o.fastPath === false ? null : sender,
    plainPeers: o.plainPeers && o.secret === undefined,
    limited,
    auth: {
      secret: o.secret,
      replay: o.secret ? new ReplayWindow() : undefined,
      out: sender,
      amplification,
      throttle,
      stats,
      wallClock: o.wallClock,
    },
  });

  const receive = (bytes: Buffer, from: RemoteInfo): void => {
    receiveOne(bytes, from);
    if (ctx.relayAcks.nextDeadline() <= now()) flushRelayAcks();
    pushWaiting(); // changes that waited for the push pacing go out with the next datagram, tick or sweep
    flushCluster();
  };
  /** Pushes the roster changes that waited for the push pacing, if it allows now (PROTOCOL.md §6.7). Never throws. */
  const pushWaiting = (): void => {
    if (roster.published === roster.version) return;
    try {
      flushPushes(ctx);
    } catch (err) {
      log.error({ err }, 'roster push failed');
    }
  };

  let lastExpireAt = Number.NEGATIVE_INFINITY;
  return {
    receive,
    nextDeadline: () => Math.min(ctx.relayAcks.nextDeadline(), roster.published === roster.version ? Number.POSITIVE_INFINITY : roster.nextPushAt),
    tick() {
      flushRelayAcks();
      pushWaiting();
      flushCluster();
    },
    sweep() {
      flushRelayAcks();
      try {
        const t = now();
        sweepExpired(ctx);
        flushPushes(ctx);
        resendStored(ctx);
        if (t - lastExpireAt >= EXPIRE_EVERY_MS) {
          lastExpireAt = t;
          const gone = ctx.store.expire(o.wallClock() - ctx.offline.limits.maxAgeMs);
          if (gone > 0) log.info({ deleted: gone }, 'stored messages and receipts expired');
        }
        flushCluster();
        rateLimiter?.sweep(t);
        amplification.sweep(t);
        throttle.sweep(t);
        limited.flush();
      } catch (err) {
        log.error({ err }, 'presence sweep failed');
      }
    },
    get contactCount() {
      return table.localSize;
    },
    get fastPathHandled() {
      return stats.fastPathHandled;
    },
    contacts: () => table.locals().map((c) => infoOf(c, now())),
    stats: () => stats.snapshot(table.localSize, pending.size),
    async sayBye(reason, maxWaitMs) {
      const contacts = table.all();
      log.info({ reason, contacts: table.localSize }, 'relay stopping');
      try {
        const bye = sender.encode({ kind: 'bye', reason: truncateUtf8(reason, MAX_BYE_REASON_BYTES) });
        const clients = contacts.filter((c) => c.type === 'client' && c.remote === undefined).map((c) => c.endpoint);
        await sender.sendAndWait(bye, clients, maxWaitMs);
      } catch (err) {
        log.error({ err }, 'could not say bye');
      }
      for (const c of contacts) table.remove(c);
      ctx.relayAcks.clear();
      sender.close();
    },
    flushLog: (all = false) => limited.flush(all),
    storeChanged(change) {
      try {
        storeChanged(ctx, change);
      } catch (err) {
        log.error({ err, change: change.type }, 'store change handling failed');
      }
      pushWaiting();
      flushCluster();
    },
  };
}
