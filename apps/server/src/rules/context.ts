/**
 * What message handling needs from the relay, as an interface, so the rules
 * (router.ts, membership.ts, plainPeers.ts) know nothing about sockets.
 */
import type { Logger } from 'pino';
import type { AckMessage, ChatMessage, Message } from '@udpchat/protocol';
import type { AmplificationLimiter } from '../guards/amplification.js';
import type { Contact, ContactTable } from '../state/contacts.js';
import type { Endpoint } from '@udpchat/net';
import type { RosterLog } from '../state/rosterLog.js';
import type { PendingTable } from '../state/sessions.js';
import type { RelayAckScheduler } from './relayAcks.js';
import type { OfflineDeliveries, OfflineLimits } from '../state/offlineDeliveries.js';
import type { RelayStore } from '../store/relayStore.js';

/**
 * Why a contact left, as the relay's own events report it (the wire `leave`
 * says `bye` for `renamed`). `renamed`: a plain peer whose address registered
 * as a protocol client (a client that renames itself does not leave: it is
 * renamed, `MembershipEvents.renamed`).
 */
export type DepartureReason = 'bye' | 'timeout' | 'renamed';

/** Options of `Outbox.reply`. */
export interface ReplyOptions {
  /**
   * Sign it in shared-secret mode (default true). False only for the
   * SECRET_REQUIRED and NO_SECRET errors, which go to peers without the secret (PROTOCOL.md §6.2).
   */
  signed?: boolean;
}

/**
 * Sends messages. Never throws for network problems (they are counted and
 * logged). In shared-secret mode every protocol datagram is signed (auth
 * trailer, PROTOCOL.md §3.2) unless said otherwise.
 */
export interface Outbox {
  /**
   * Largest message, in encoded bytes before the envelope, that fits one
   * datagram to a client: MAX_DATAGRAM_BYTES (1200) minus what this outbox
   * adds to every datagram (the 48-byte auth trailer in shared-secret mode;
   * relay → client datagrams carry no token). Contact pages are cut to it.
   */
  readonly maxMessageBytes: number;
  /**
   * Sends `message` as one datagram to `to`, a validated address (a
   * registered client, or one that just proved it holds its token).
   * @throws ProtocolError when `message` cannot be encoded (a bug in the caller).
   */
  send(message: Message, to: Endpoint): void;
  /**
   * Sends `message` (encoded once) to each protocol client of `to`; plain
   * peers in `to` are skipped (they never get protocol datagrams).
   * @throws ProtocolError when `message` cannot be encoded (a bug in the caller).
   */
  sendToAll(message: Message, to: readonly Contact[]): void;
  /**
   * Sends `text` as one datagram of plain UTF-8 (no protocol header) to the
   * plain peer `peer`, within its byte budget (PROTOCOL.md §6.3): what does
   * not fit is not sent and counted (`notSent['plain-budget']`). The caller
   * keeps it within the receiver's buffer (PLAIN_DATAGRAM_MAX_BYTES).
   * @returns whether it was sent.
   */
  sendText(text: string, peer: Contact): boolean;
  /**
   * Sends `message` to an address that has not completed registration,
   * within the anti-amplification limit (PROTOCOL.md §6.1): at most the bytes
   * received from `key` minus those already sent to it. An `error` that does
   * not fit is sent without its `message` text, and not at all if even that
   * does not fit (counted in `notSent.amplification`).
   * @param key the address, `formatEndpoint(to)`.
   * @returns whether it was sent.
   */
  reply(message: Message, to: Endpoint, key: string, options?: ReplyOptions): boolean;
}

/** Observers of the contact table (optional). */
export interface MembershipEvents {
  /** `contact` registered. */
  joined(contact: Contact): void;
  /** `contact` was removed. */
  left(contact: Contact, reason: DepartureReason): void;
  /** The client registered as `from` is now `contact` (same session, new name). */
  renamed(contact: Contact, from: string): void;
}

/** Presence timing in ms (the first two are told to clients in `welcome`), and the limits. */
export interface PresenceConfig {
  /** How often clients must send a heartbeat, in ms. */
  readonly heartbeatIntervalMs: number;
  /** Silence after which a protocol client is dropped, in ms. */
  readonly presenceTimeoutMs: number;
  /** Silence after which a plain-text peer is dropped, in ms. */
  readonly plainPeerTimeoutMs: number;
  /** Most contacts (clients and plain peers) at once (PROTOCOL.md §6.3, RELAY_FULL beyond). */
  readonly maxContacts: number;
  /** Most contacts and pending registrations per IP address; 0 = no cap (TOO_MANY_REGISTRATIONS beyond). */
  readonly maxPerIp: number;
  /** Whether this relay runs inside a udpchat client (told to clients in `welcome`, PROTOCOL.md §4.2). */
  readonly hostedByClient: boolean;
}

/**
 * The other relays of the cluster, as the rules see them (cluster mode only:
 * apps/server/src/cluster/, CLUSTER.md). Remote contacts (`Contact.remote`)
 * are in the contact table; what is meant for them goes through here.
 */
export interface ClusterLink {
  /**
   * Routes a chat or an ack (`from` already the sender's registered name,
   * `to` the remote contact's) to the relay of the remote contact `target`.
   */
  direct(message: ChatMessage | AckMessage, target: Contact): void;
  /** Sends a group chat (`from` set) once to the cluster: every other relay gives it to its own contacts. */
  group(chat: ChatMessage): void;
  /**
   * This relay takes the name of the remote contact `owner`: a session
   * proving the same key (a take-over, `silently` false: a leave is pushed,
   * the join follows), or its user moved here from a relay that is down or
   * stopping (`silently` true: no leave, no join). Its relay is told to end
   * its session; `owner` is removed from the table.
   */
  claim(owner: Contact, silently: boolean): void;
}

/**
 * What a relay core tells its cluster (cluster mode): the changes of its own
 * contacts (clients only: plain peers are named after their address, which
 * stays local), and when to publish what they queued.
 */
export interface ClusterAttachment {
  /** What the rules use. */
  readonly link: ClusterLink;
  /** A local contact registered. */
  joined(contact: Contact): void;
  /** A local contact was removed. */
  left(contact: Contact, reason: DepartureReason): void;
  /** A local client renamed itself (`contact` has the new name). */
  renamed(contact: Contact, from: string): void;
  /** Publishes what the last datagram, tick or sweep queued (the core calls it after each). */
  flush(): void;
}

/** Everything the handlers use. */
export interface RouterContext {
  /** The contact table (mutated by the handlers). */
  readonly contacts: ContactTable;
  /** The roster version and its change log (PROTOCOL.md §6.7). */
  readonly roster: RosterLog;
  /** Registrations waiting for their first datagram with the token. */
  readonly pending: PendingTable;
  /** Bytes received from / sent to unvalidated addresses. */
  readonly amplification: AmplificationLimiter;
  /** Where replies and relayed messages go. */
  readonly out: Outbox;
  /** Structured log. */
  readonly log: Logger;
  /** Timing and limits. */
  readonly config: PresenceConfig;
  /** Current time in ms, monotonic (the clock of `Contact.lastSeen`). */
  now(): number;
  /** Observers of joins and departures. */
  readonly events: MembershipEvents;
  /** Relay-acks held until the recipient's ack makes them redundant (PROTOCOL.md §4.11). */
  readonly relayAcks: RelayAckScheduler;
  /** Name bindings, stored messages and receipts (PROTOCOL.md §6.5, §6.6): durable, synchronous. */
  readonly store: RelayStore;
  /** Stored messages sent to their recipients and not yet acknowledged, and the bounds of what is stored. */
  readonly offline: { readonly deliveries: OfflineDeliveries; readonly limits: OfflineLimits };
  /** Wall clock, ms since the epoch: what the store records (bindings, storage times, the 7-day bound). */
  wallClock(): number;
  /** The other relays (cluster mode), or undefined for a single relay. Set once, when the relay joins its cluster. */
  cluster: ClusterLink | undefined;
}
