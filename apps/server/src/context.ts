/**
 * What message handling needs from the relay, as an interface, so the rules
 * (router.ts, membership.ts) know nothing about sockets.
 */
import type { Logger } from 'pino';
import type { Message } from '@udpchat/protocol';
import type { Contact, ContactTable } from './contacts.js';
import type { Endpoint } from './endpoint.js';

/**
 * Why a contact left, as the relay's own events report it (the wire `leave`
 * says `bye` for a rename). `renamed` also covers a plain peer whose address
 * registered as a protocol client.
 */
export type DepartureReason = 'bye' | 'timeout' | 'renamed';

/** Sends messages. Never throws for network problems (they are counted and logged). */
export interface Outbox {
  /**
   * Sends `message` as one datagram to `to`.
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
   * Sends `text` as one datagram of plain UTF-8 (no protocol header) to `to`.
   * The caller keeps it within the receiver's buffer (plainPeers.ts:
   * PLAIN_DATAGRAM_MAX_BYTES); nothing is cut here.
   */
  sendText(text: string, to: Endpoint): void;
}

/** Observers of the contact table (optional). */
export interface MembershipEvents {
  /** `contact` registered. */
  joined(contact: Contact): void;
  /** `contact` was removed. */
  left(contact: Contact, reason: DepartureReason): void;
}

/** Presence timing, in ms: the first two are told to clients in `welcome`. */
export interface PresenceConfig {
  /** How often clients must send a heartbeat, in ms. */
  readonly heartbeatIntervalMs: number;
  /** Silence after which a protocol client is dropped, in ms. */
  readonly presenceTimeoutMs: number;
  /** Silence after which a plain-text peer is dropped, in ms. */
  readonly plainPeerTimeoutMs: number;
}

/** Everything the handlers use. */
export interface RouterContext {
  /** The contact table (mutated by the handlers). */
  readonly contacts: ContactTable;
  /** Where replies and relayed messages go. */
  readonly out: Outbox;
  /** Structured log. */
  readonly log: Logger;
  /** Timing. */
  readonly config: PresenceConfig;
  /** Current time in ms, monotonic (the clock of `Contact.lastSeen`). */
  now(): number;
  /** Observers of joins and departures. */
  readonly events: MembershipEvents;
}
