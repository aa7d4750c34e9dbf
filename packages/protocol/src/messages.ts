/**
 * The messages of protocol version 1, one per datagram. Field order on the
 * wire is the order of the fields in `SCHEMAS` (schema.ts); PROTOCOL.md shows
 * a byte-exact example of each.
 */
import type { ErrorCode, UnknownErrorCode } from './codes.js';
import type { RosterDeltaMessage, RosterVersion } from './rosterMessages.js';

export type { RosterChange, RosterChangeState, RosterDeltaMessage, RosterVersion } from './rosterMessages.js';

/** What kind of contact an entry of the contact list is. */
export type ContactKind = 'client' | 'plain';

/** Why a contact left. `bye`: it said so; `timeout`: no heartbeat within the presence timeout. */
export type LeaveReason = 'bye' | 'timeout';

/** client -> relay: register under `name` (the "hello"). */
export interface HelloMessage {
  kind: 'hello';
  /** Requested contact name, 1–32 code points (rules in names.ts). */
  name: string;
  /**
   * Bytes of zero padding after the name (0–65535; absent = 0). Clients pad a
   * `hello` to HELLO_MIN_BYTES so that the relay may answer it (anti-amplification,
   * PROTOCOL.md §6.1); `paddedHello` computes it.
   */
  padding?: number;
}

/** relay -> client: registration accepted (the "welcome"). */
export interface WelcomeMessage {
  kind: 'welcome';
  /** The name registered, as the relay stores it. */
  name: string;
  /** The client's IP address as the relay sees it (the datagram's source). */
  address: string;
  /** The client's UDP port as the relay sees it. */
  port: number;
  /** How often the client must send a heartbeat, in ms. */
  heartbeatIntervalMs: number;
  /** Silence after which the relay drops a contact, in ms. */
  presenceTimeoutMs: number;
  /**
   * The session token, TOKEN_BYTES (16) random bytes: the client puts it in the
   * header of every later datagram (FLAG_TOKEN) and the relay drops those
   * whose token does not match (PROTOCOL.md §6.1).
   */
  token: Uint8Array;
  /**
   * True when this relay runs inside a udpchat client (the client hosts it
   * on its own port, `RelayOptions.hostedByClient`), false for a headless
   * relay (`udpchat-relay`). A client may take the port over when a
   * client-hosted relay goes away, never a headless one's (PROTOCOL.md §4.2).
   */
  hostedByClient: boolean;
}

/** One entry of a contact list. */
export interface ContactEntry {
  /** Contact name. */
  name: string;
  /** `client` (speaks this protocol) or `plain` (a plain-text UDP peer). */
  type: ContactKind;
}

/** relay -> client: one page of the contacts online (the caller excluded). */
export interface ContactsMessage extends RosterVersion {
  kind: 'contacts';
  /** Page number, 0-based. */
  page: number;
  /** Number of pages in this listing (at least 1). */
  pages: number;
  /** The contacts on this page. */
  contacts: ContactEntry[];
}

/** relay -> client: a contact came online; `version` is the roster version this change made. */
export interface JoinMessage extends RosterVersion {
  kind: 'join';
  /** Its name. */
  name: string;
  /** Its kind. */
  type: ContactKind;
}

/** relay -> client: a contact went offline; `version` is the roster version this change made. */
export interface LeaveMessage extends RosterVersion {
  kind: 'leave';
  /** Its name. */
  name: string;
  /** Why it left. */
  reason: LeaveReason;
}

/** A chat message, direct (`to` a name) or to the group (`to` = `all`). */
export interface ChatMessage {
  kind: 'chat';
  /** Message id, a nanoid (21 characters of `A-Za-z0-9_-`); 1–60 such characters accepted. */
  id: string;
  /**
   * Sender name. Clients may send anything (usually their own name); the relay
   * always overwrites it with the name registered for the datagram's source address.
   */
  from: string;
  /** Recipient name, or `all` for the group. */
  to: string;
  /**
   * The conversation's identity (PROTOCOL.md §4.6): a random nonzero u32 the
   * sender picks when it starts the conversation (so a restarted sender, or
   * one that dropped the conversation, starts a new one, told apart from the
   * old by receivers that never saw it leave). 0 from senders that do not number.
   */
  epoch: number;
  /**
   * The sender's sequence number in this conversation (sender -> `to`, or sender -> `all`),
   * from 1, +1 per message (retransmissions keep theirs). Receivers show messages in `seq` order.
   */
  seq: number;
  /**
   * The lowest `seq` the sender may still retransmit in this conversation: every message
   * below it was acknowledged or given up, so a receiver never waits for one (cf. SCTP's
   * FORWARD-TSN, RFC 3758). 0 from senders that do not number their messages.
   */
  base: number;
  /** When the sender wrote it, in ms since the Unix epoch. */
  time: number;
  /** The text, at most MAX_TEXT_BYTES bytes of UTF-8. */
  text: string;
}

/** client -> relay: I am still here. */
export interface HeartbeatMessage {
  kind: 'heartbeat';
  /** Sequence number chosen by the client, echoed in the answer (0 – 2^32-1). */
  seq: number;
}

/**
 * relay -> client: answer to a heartbeat, with the roster version of the last
 * change the relay pushed: a client whose list is at another version asks for
 * the changes (`list`, PROTOCOL.md §6.7).
 */
export interface HeartbeatAckMessage extends RosterVersion {
  kind: 'heartbeat-ack';
  /** The `seq` of the heartbeat answered. */
  seq: number;
}

/** Either way: I am leaving (client) / I am going away (relay). */
export interface ByeMessage {
  kind: 'bye';
  /** Human-readable reason; may be empty. */
  reason: string;
}

/** relay -> client: a request was refused. */
export interface ErrorMessage {
  kind: 'error';
  /**
   * Stable code, one of `ERROR_CODES` (codes.ts); a code this version does not
   * know decodes as an `UnknownErrorCode` (its `message` still explains it).
   */
  code: ErrorCode | UnknownErrorCode;
  /** Human-readable explanation. */
  message: string;
  /** Id of the message this answers (a chat id), or '' when none. */
  ref: string;
}

/** relay -> client: the relay has chat message `id` and forwarded it (hop 1 of delivery). */
export interface RelayAckMessage {
  kind: 'relay-ack';
  /** The chat message's id. */
  id: string;
  /** How many protocol clients it was forwarded to, i.e. how many delivery acks to expect (plain-text peers cannot ack). */
  recipients: number;
}

/**
 * Delivery acknowledgement, cumulative per conversation with selective ranges
 * (like TCP's cumulative ACK and QUIC's ACK ranges): the acker has every message
 * of the conversation with `seq` <= `upTo`, and those in `ranges`.
 * client -> relay: `from` is ignored (the relay writes the acker's registered name), `to` is the
 * conversation's sender. relay -> client: `from` is the acker, sent to `to`.
 */
export interface AckMessage {
  kind: 'ack';
  /** The acker (set by the relay). */
  from: string;
  /** The sender of the acknowledged messages. */
  to: string;
  /** True for the sender's group conversation (`all`), false for its direct one with the acker. */
  group: boolean;
  /** The `epoch` of the conversation acknowledged (its chats'); the sender ignores an ack for another one. */
  epoch: number;
  /** Cumulative: every `seq` <= upTo has arrived (0: none yet). */
  upTo: number;
  /** Further `[first, last]` seq ranges that arrived beyond a gap, at most 32. */
  ranges: Array<[number, number]>;
}

/**
 * client -> relay: bring my contact list up to date; `epoch` and `version`
 * are the roster version the client's list is at (0, 0: it has none). The
 * first datagram a client sends with its new session token, which completes
 * registration (PROTOCOL.md §6.1); later sent when the client sees it missed
 * a change. Answered with the changes since (`roster-delta`) or, when the
 * relay no longer has them or the epoch differs, the whole list (`contacts`).
 */
export interface ListMessage extends RosterVersion {
  kind: 'list';
}

/**
 * relay -> client: the contact registered as `from` is now called `name`
 * (it sent `hello` with another name, PROTOCOL.md §6.1). Sent to every other
 * client instead of `leave(from)` + `join(name)`: it is the same contact, same
 * session, so conversations with it go on under the new name.
 */
export interface RenameMessage extends RosterVersion {
  kind: 'rename';
  /** The old name, as it was registered. */
  from: string;
  /** The new name, as it is now registered. */
  name: string;
}

/**
 * client -> relay: proof that the sender holds the Ed25519 key of `name`
 * (identity keys, PROTOCOL.md §4.15): `signature` signs the identify payload
 * (`identifyPayload`, identity.ts) of a fresh relay challenge — the session
 * token of the `welcome` at registration, a `challenge` for a rename.
 */
export interface IdentifyMessage {
  kind: 'identify';
  /** The name whose key this is (the name registering, or the new name of a rename). */
  name: string;
  /** The raw Ed25519 public key, PUBLIC_KEY_BYTES (32) bytes (RFC 8032 §5.1.5). */
  publicKey: Uint8Array;
  /** The Ed25519 signature of the payload, SIGNATURE_BYTES (64) bytes. */
  signature: Uint8Array;
}

/**
 * relay -> client: sign this to rename to `name` (a contact that registered
 * with a key renames itself, PROTOCOL.md §4.16). Answered with `identify`.
 */
export interface ChallengeMessage {
  kind: 'challenge';
  /** The name asked for in the `hello` this answers. */
  name: string;
  /** CHALLENGE_BYTES (16) fresh random bytes. */
  challenge: Uint8Array;
}

/**
 * relay -> client: the direct chat `id` to `to`, who is offline but known
 * (its name is bound to a key), is stored at the relay, durably (PROTOCOL.md
 * §4.17). Sent instead of `relay-ack`; a `receipt` follows once `to` acknowledges it.
 */
export interface StoredMessage {
  kind: 'stored';
  /** The chat message's id. */
  id: string;
  /** The offline recipient, as its name is bound. */
  to: string;
}

/**
 * relay -> client: the stored chat `id` was acknowledged by `by`'s client
 * (PROTOCOL.md §4.18). Kept at the relay until the sender answers `receipt-ack`,
 * also across the sender's absence.
 */
export interface ReceiptMessage {
  kind: 'receipt';
  /** The chat message's id. */
  id: string;
  /** Who acknowledged it (its recipient). */
  by: string;
}

/** client -> relay: the receipt of `id` arrived; the relay forgets it (PROTOCOL.md §4.19). */
export interface ReceiptAckMessage {
  kind: 'receipt-ack';
  /** The chat message's id. */
  id: string;
}

/** Every message of protocol version 1. */
export type Message =
  | HelloMessage
  | WelcomeMessage
  | ContactsMessage
  | JoinMessage
  | LeaveMessage
  | ChatMessage
  | HeartbeatMessage
  | HeartbeatAckMessage
  | ByeMessage
  | ErrorMessage
  | RelayAckMessage
  | AckMessage
  | ListMessage
  | RenameMessage
  | RosterDeltaMessage
  | IdentifyMessage
  | ChallengeMessage
  | StoredMessage
  | ReceiptMessage
  | ReceiptAckMessage;

/** The `kind` of a message. */
export type MessageKind = Message['kind'];

/** The message type of one kind, e.g. `MessageOf<'chat'>` is `ChatMessage`. */
export type MessageOf<K extends MessageKind> = Extract<Message, { kind: K }>;
