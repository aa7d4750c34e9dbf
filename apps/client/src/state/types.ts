/**
 * Shapes of the chat state the UI renders. All text in here has already
 * been made terminal-safe (control characters escaped).
 */
import type { ContactKind } from '@udpchat/protocol';
import type { RegistrationState, RelayStatus } from '../net/session.js';
import type { DeliveryState } from '../net/delivery/states.js';
import type { DatagramRecord, Endpoint } from '../net/transport.js';


/** One chat message in a conversation. */
export interface MessageEntry {
  kind: 'message';
  /** Message id (nanoid). */
  id: string;
  /** Sender's name. */
  from: string;
  /** The text. */
  text: string;
  /**
   * When it was sent (own messages) or arrived (incoming ones), ms since the
   * epoch, by this computer's clock: the clock of the system lines around it,
   * so that entries in arrival order also read in time order.
   */
  time: number;
  /** When the sender says it wrote it (its own clock, which may be off), ms since the epoch. */
  sentAt?: number;
  /** Sent by this client. */
  own: boolean;
  /** For own messages: the delivery state (null for incoming messages). */
  delivery: DeliveryState | null;
  /** The text as sent (unescaped), for /retry. */
  raw?: string;
  /** Who it went to (own messages), for /retry. */
  to?: string;
}

/** A line from the program itself: joins, leaves, help, errors. */
export interface SystemEntry {
  kind: 'system';
  /** Unique within the store. */
  id: string;
  /** The text. */
  text: string;
  /** When, ms since the epoch. */
  time: number;
  /** `error` lines are drawn in the error colour. */
  level: 'info' | 'error';
}

/** A row of a conversation. */
export type ConversationEntry = MessageEntry | SystemEntry;

/** A conversation: the group `all` or one contact. */
export interface Conversation {
  /** `all`, or the contact's name key. */
  key: string;
  /** Display name. */
  title: string;
  /** Entries, oldest first (capped; the oldest are dropped first). */
  entries: ConversationEntry[];
  /**
   * The entries are a window on the stored history (history/): older
   * messages are stored before them (`olderInDb`), newer ones after them
   * (`newerInDb`: the view is not at the newest, new messages are stored, not
   * added, until it is). Absent: false.
   */
  olderInDb?: boolean;
  newerInDb?: boolean;
  /** Increases when the window is replaced (a jump to a search match): the view starts at its bottom again. */
  generation?: number;
}

/** A row of the contact list. */
export interface ContactRow {
  /** Conversation key. */
  key: string;
  /** Display name. */
  name: string;
  /** `group` for `all`. */
  type: ContactKind | 'group';
  /** Unread messages in its conversation. */
  unread: number;
  /**
   * Whether the contact is online (always true for `all`). Offline contacts
   * are listed (dimmed) while a conversation with them exists; it stays
   * readable, and messages sent there fail for that name.
   */
  online: boolean;
}

/** A message for the status area. */
export interface Notice {
  /** The text (one line). */
  text: string;
  /** Severity, mapped to theme colours. */
  level: 'info' | 'warning' | 'error';
}

/** The datagram inspector: hidden, below the conversation, or in the whole right column. */
export type InspectorMode = 'off' | 'split' | 'full';

/** Everything the UI renders, replaced (never mutated) on each change. */
export interface ChatSnapshot {
  /** Increases with every change. */
  revision: number;
  /** Own name, registration state and address as the relay sees it. */
  self: { name: string; registration: RegistrationState; seenAs: Endpoint | null };
  /**
   * The relay: `address:port`, liveness, whether this process hosts it and for how many others, and
   * why the client last moved to another relay of its list (`127.0.0.1:8081 stopped answering`), or null.
   */
  relay: { label: string; status: RelayStatus; hosting: boolean; hostedOthers: number; simulation: string | null; moved?: string | null };
  /** `all` first, then online contacts by name, then offline contacts with a conversation, by name. */
  contacts: ContactRow[];
  /** The conversation shown. */
  open: Conversation;
  /** Whether the open conversation's contact is online (always true for `all`). */
  openOnline: boolean;
  /** The latest notice, or null. */
  notice: Notice | null;
  /** Set while asking "quit anyway?". */
  confirmingQuit: boolean;
  /** The datagram inspector: how it is shown, the latest datagrams (oldest first), and how many there were in all. */
  inspector: { mode: InspectorMode; records: readonly DatagramRecord[]; total: number };
}

/**
 * What `submit` asks the UI to do next: `done` (the line was handled: clear
 * the input), `quit`, or `kept` (refused, the reason is in the notice: keep
 * the text in the input so that nothing typed is lost).
 */
export type SubmitResult = 'done' | 'quit' | 'kept';
