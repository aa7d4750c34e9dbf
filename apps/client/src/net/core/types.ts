/**
 * What the client's sans-I/O protocol core hands its driver: datagrams to
 * send and events to report. The core never touches a socket, a timer or the
 * clock: every call takes `now` (ms since the epoch, or a virtual clock's).
 */
import type { ChatMessage, ContactEntry, ErrorMessage, LeaveReason, Message, WelcomeMessage } from '@udpchat/protocol';
import type { DeliveryState } from '../delivery/states.js';

/** Whether the relay answers: `connecting` before its first answer, `silent` when it stopped answering. */
export type RelayStatus = 'connecting' | 'answering' | 'silent';

/** Registration state: `refused` after a name error until `rename`. */
export type RegistrationState = 'registering' | 'registered' | 'refused' | 'closed';

/** One datagram for the relay: `message` with exactly this session token (undefined: none, PROTOCOL.md §3.1), to server `server` of the list (0: the first). */
export interface Transmit {
  message: Message;
  token: Uint8Array | undefined;
  server: number;
}

/** A fail-over (failover.ts): from the relay `from` to `to` (labels, `host:port`), and why (`127.0.0.1:8081 stopped answering`). */
export interface RelayMove {
  from: string;
  to: string;
  reason: string;
}

/** Events of the core, by name, with their arguments (the driver re-emits them). */
export interface CoreEvents {
  /** Registration accepted (also after a re-registration, and after an own rename). */
  registered: [welcome: WelcomeMessage];
  /** The complete contact list (all pages), the caller excluded. */
  contacts: [contacts: ContactEntry[]];
  /** A contact came online. */
  join: [contact: ContactEntry];
  /** A contact went offline. */
  leave: [name: string, reason: LeaveReason];
  /** Another contact changed its name from `from` to `to` (its conversations follow it). */
  rename: [from: string, to: string];
  /** An incoming chat message (`from` is set by the relay). */
  chat: [message: ChatMessage];
  /** An own message changed delivery state (queued, sending, at relay, delivered, failed). */
  delivery: [message: ChatMessage, state: DeliveryState];
  /**
   * Own message `id`, stored at the relay for its offline recipient, was
   * acknowledged by `by` (PROTOCOL.md §4.18): delivered. Keyed by id: it may
   * answer a message sent before this client restarted.
   */
  receipt: [id: string, by: string];
  /** The relay refused something. */
  'relay-error': [error: ErrorMessage];
  /** Relay liveness changed. */
  status: [status: RelayStatus];
  /** The relay said it is going away (with one server; with several the client moves instead: `moved`). */
  'relay-bye': [reason: string];
  /** Several servers: the client left its relay for the next one (it registers there now, keeping its name and outbox). */
  moved: [move: RelayMove];
}

/** One event: its name and arguments. */
export type CoreEvent = { [K in keyof CoreEvents]: { type: K; args: CoreEvents[K] } }[keyof CoreEvents];

/** Where the core's parts put what they produce. */
export interface Output {
  /** Queues a datagram for the relay. */
  transmit(message: Message): void;
  /** Queues an event. */
  emit<K extends keyof CoreEvents>(type: K, ...args: CoreEvents[K]): void;
}
