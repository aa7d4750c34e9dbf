/**
 * The relay's counters (PROTOCOL.md §6.3 "Counters"). Every received
 * datagram is counted exactly once, in one of five classes:
 *
 *   datagramsIn = accepted + malformed + empty + unauthenticated + rateLimited
 *
 * - `rateLimited`: over its address's rate limit, dropped before decoding;
 * - `empty`: 0 bytes (nothing to read, but nothing wrong either: the
 *   client's `/empty` sends one on purpose);
 * - `malformed`: not a datagram the relay can read (decode failures,
 *   neither protocol nor UTF-8);
 * - `unauthenticated`: readable but not proven to come from who it claims
 *   (a missing or wrong session token or auth trailer, a replay, plain text
 *   in shared-secret mode);
 * - `accepted`: passed every check and went to the relay's rules. The rules
 *   may still do nothing with it (a `bye` from a stranger, a wrong-direction
 *   kind, an empty line…): those are also counted in `ignored` by reason.
 */
import type { ProtocolErrorCode } from '@udpchat/protocol';
import type { ClusterStoreStats } from '../cluster/store/types.js';

/** Why a datagram counted as `malformed` was dropped: a decode failure code, or `BAD_UTF8`. */
export type MalformedReason = ProtocolErrorCode;

/**
 * Why a datagram counted as `unauthenticated` was dropped:
 * - `no-token` / `bad-token`: from a registered client's address without its session token, or with another (PROTOCOL.md §6.1);
 * - `auth-missing`, `auth-bad-tag`, `auth-stale`, `auth-replay`, `auth-replay-cache-full`:
 *   shared-secret mode, the auth trailer is absent, wrong, more than 30 s
 *   off, seen before, or the replay window is full (PROTOCOL.md §6.2);
 * - `auth-not-expected`: a signed `hello` to a relay without a secret (answered `NO_SECRET`);
 * - `plain-text-refused`: plain text in shared-secret mode.
 */
export type UnauthenticatedReason =
  | 'no-token'
  | 'bad-token'
  | 'auth-missing'
  | 'auth-bad-tag'
  | 'auth-stale'
  | 'auth-replay'
  | 'auth-replay-cache-full'
  | 'auth-not-expected'
  | 'plain-text-refused';

/**
 * Why an accepted datagram had no effect:
 * - `empty-text`: plain text with nothing left once one trailing newline is
 *   stripped (an empty line from `nc`), or a `@NAME ` with nothing after it;
 * - `plain-peers-off`: plain UTF-8 text while plain peers are switched off;
 * - `plain-from-client`: plain UTF-8 text from the address of a registered protocol client;
 * - `plain-peer-refused`: text from a new plain peer while the relay is full or its IP has too many contacts;
 * - `unexpected`: a well-formed message a client never sends (welcome, contacts, join, leave, heartbeat-ack, error, relay-ack, rename);
 * - `bye-unregistered`, `ack-unregistered`: a bye or an ack from an address that is not registered;
 * - `ack-unknown-contact`: an ack to a name that is not an online client;
 * - `internal`: handling it threw (a bug; logged at error level).
 */
export type IgnoredReason =
  | 'empty-text'
  | 'plain-peers-off'
  | 'plain-from-client'
  | 'plain-peer-refused'
  | 'unexpected'
  | 'bye-unregistered'
  | 'ack-unregistered'
  | 'ack-unknown-contact'
  | 'internal';

/** Why a datagram was dropped or ignored (see the three reason types; `empty-datagram`: 0 bytes, class `empty`). */
export type DropReason = MalformedReason | UnauthenticatedReason | IgnoredReason | 'empty-datagram' | 'rate-limited';

/**
 * Why a datagram the relay meant to send was not sent:
 * - `amplification`: to an unvalidated address, it would have exceeded what that address sent (PROTOCOL.md §6.1);
 * - `plain-budget`: to a plain peer that used up its byte budget (PROTOCOL.md §6.3);
 * - `reply-throttle`: a second SECRET_REQUIRED / CLOCK_SKEW / NO_SECRET to one address within 1 s (PROTOCOL.md §6.2).
 */
export type NotSentReason = 'amplification' | 'plain-budget' | 'reply-throttle';

const UNAUTHENTICATED: ReadonlySet<string> = new Set<UnauthenticatedReason>([
  'no-token',
  'bad-token',
  'auth-missing',
  'auth-bad-tag',
  'auth-stale',
  'auth-replay',
  'auth-replay-cache-full',
  'auth-not-expected',
  'plain-text-refused',
]);

/** True when `reason` is one of the `UnauthenticatedReason`s. */
export function isUnauthenticatedReason(reason: string): reason is UnauthenticatedReason {
  return UNAUTHENTICATED.has(reason);
}

/** The cluster counters (cluster mode, CLUSTER.md "Operations"): `RelayStats.cluster`. */
export interface ClusterStats {
  /** This relay's id. */
  readonly relayId: string;
  /** Whether the NATS connection is up. */
  readonly connected: boolean;
  /** Other relays up now. */
  readonly peersUp: number;
  /** Other relays known (up or down). */
  readonly peers: number;
  /** Users of the other relays in this relay's roster. */
  readonly remoteContacts: number;
  /** Of those, the ones moving (their relay is down or stopped; listed until the grace ends or they register elsewhere). */
  readonly movingContacts: number;
  /** Datagrams routed to other relays (direct chats and acks; a group chat counts once). */
  readonly routedOut: number;
  /** Datagrams other relays routed here. */
  readonly routedIn: number;
  /** Routed datagrams whose recipient was not here any more (its sender retransmits). */
  readonly routedDropped: number;
  /** Cluster messages that did not read (counted, logged, dropped). */
  readonly malformed: number;
}

/** A snapshot of the counters. Byte counts are UDP payload bytes. */
export interface RelayStats {
  /** Datagrams received (= accepted + malformed + empty + unauthenticated + rateLimited). */
  datagramsIn: number;
  /** Bytes received. */
  bytesIn: number;
  /** Datagrams handed to the socket for sending (including those whose send then failed). */
  datagramsOut: number;
  /** Bytes handed to the socket for sending. */
  bytesOut: number;
  /** Sends that reported an error in their callback. */
  sendErrors: number;
  /** Received datagrams that passed every check and went to the relay's rules (plain text included). */
  accepted: number;
  /** Received datagrams dropped as unreadable. */
  malformed: number;
  /** Received datagrams of 0 bytes (dropped: nothing to relay; `dropped['empty-datagram']`). */
  empty: number;
  /** Received datagrams dropped as not proven to come from their claimed sender. */
  unauthenticated: number;
  /** Received datagrams dropped by the per-address rate limit, before decoding. */
  rateLimited: number;
  /** Dropped datagrams by reason (malformed, `empty-datagram`, unauthenticated and `rate-limited` ones); reasons never seen are absent. */
  dropped: Record<string, number>;
  /** Accepted datagrams that had no effect, by `IgnoredReason`; reasons never seen are absent. */
  ignored: Record<string, number>;
  /** Datagrams the relay did not send, by `NotSentReason`; reasons never seen are absent. */
  notSent: Record<string, number>;
  /** `error` messages sent, by error code (NAME_TAKEN, UNKNOWN_CONTACT, …). */
  refused: Record<string, number>;
  /** Contacts registered right now, plain peers included (in cluster mode: this relay's; the others' are `cluster.remoteContacts`). */
  contacts: number;
  /** Registrations pending right now (PROTOCOL.md §6.1). */
  pending: number;
  /** Cluster mode only: the cluster counters. */
  cluster?: ClusterStats;
  /** Cluster mode only: the JetStream store (CLUSTER-STORE.md): its writes, what it holds, and the `stored` datagrams held until their chat was in JetStream. */
  store?: ClusterStoreLine;
}

/** The JetStream store's part of the stats line (`RelayStats.store`, cluster mode). */
export interface ClusterStoreLine extends ClusterStoreStats {
  /** Name bindings, stored chats and receipts in the store (cluster-wide, as this relay's mirror has them). */
  readonly bindings: number;
  readonly stored: number;
  readonly receipts: number;
  /** `stored` datagrams sent once their chat was in JetStream (`released`), not sent because its write failed (`dropped`), waiting now. */
  readonly held: { readonly released: number; readonly dropped: number; readonly waiting: number };
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Mutable counters behind `RelayStats`. */
export class StatsCounter {
  private datagramsIn = 0;
  private bytesIn = 0;
  private datagramsOut = 0;
  private bytesOut = 0;
  private sendErrors = 0;
  private accepted = 0;
  private malformed = 0;
  private empty = 0;
  private unauthenticated = 0;
  private rateLimited = 0;
  private readonly dropped = new Map<string, number>();
  private readonly ignored = new Map<string, number>();
  private readonly notSent = new Map<string, number>();
  private readonly refused = new Map<string, number>();

  /** Received datagrams counted in one of the five classes so far (equals `datagramsIn` between datagrams). */
  get classified(): number {
    return this.accepted + this.malformed + this.empty + this.unauthenticated + this.rateLimited;
  }

  /** A datagram of `bytes` bytes arrived. */
  received(bytes: number): void {
    this.datagramsIn++;
    this.bytesIn += bytes;
  }

  /** The datagram just received passed every check. */
  accept(): void {
    this.accepted++;
  }

  /**
   * Accepted datagrams that the forwarding fast path handled (receive/fastPath.ts),
   * a part of `accepted`; not in the snapshot (the wire behaviour is the same either way).
   */
  fastPathHandled = 0;

  /** The datagram just received passed every check and the rules ignored it for `reason`. */
  acceptIgnored(reason: IgnoredReason): void {
    this.accepted++;
    bump(this.ignored, reason);
  }

  /** The datagram just received could not be read. */
  dropMalformed(reason: MalformedReason): void {
    this.malformed++;
    bump(this.dropped, reason);
  }

  /** The datagram just received had 0 bytes. */
  dropEmpty(): void {
    this.empty++;
    bump(this.dropped, 'empty-datagram');
  }

  /** The datagram just received failed authentication. */
  dropUnauthenticated(reason: UnauthenticatedReason): void {
    this.unauthenticated++;
    bump(this.dropped, reason);
  }

  /** The datagram just received was over its address's rate limit. */
  dropRateLimited(): void {
    this.rateLimited++;
    bump(this.dropped, 'rate-limited');
  }

  /** A datagram of `bytes` bytes was handed to the socket. */
  sent(bytes: number): void {
    this.datagramsOut++;
    this.bytesOut += bytes;
  }

  /** A datagram was not sent, for `reason`. */
  withheld(reason: NotSentReason): void {
    bump(this.notSent, reason);
  }

  /** A send callback reported an error. */
  sendFailed(): void {
    this.sendErrors++;
  }

  /** An `error` message with `code` was sent. */
  refuse(code: string): void {
    bump(this.refused, code);
  }

  /** A copy of the counters; `contacts` and `pending` are the current table sizes. */
  snapshot(contacts: number, pending = 0): RelayStats {
    return {
      datagramsIn: this.datagramsIn,
      bytesIn: this.bytesIn,
      datagramsOut: this.datagramsOut,
      bytesOut: this.bytesOut,
      sendErrors: this.sendErrors,
      accepted: this.accepted,
      malformed: this.malformed,
      empty: this.empty,
      unauthenticated: this.unauthenticated,
      rateLimited: this.rateLimited,
      dropped: Object.fromEntries(this.dropped),
      ignored: Object.fromEntries(this.ignored),
      notSent: Object.fromEntries(this.notSent),
      refused: Object.fromEntries(this.refused),
      contacts,
      pending,
    };
  }
}
