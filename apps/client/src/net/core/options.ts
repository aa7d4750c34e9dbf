/** Options of the client's protocol core, and why it refuses a message. */
import { MAX_TEXT_BYTES, utf8Length, type AuthKey } from '@udpchat/protocol';
import type { InboxOptions } from '../delivery/inbox.js';
import type { OutboxOptions } from '../delivery/outbox.js';
import type { RosterStore } from '../../state/roster.js';
import type { IdentityProvider } from './keyedLink.js';

/** Options of a `ClientCore`. */
export interface CoreOptions {
  /** Name to register. */
  name: string;
  /** Labels (`host:port`) of the relays to use, in order; with more than one the core fails over (failover.ts). Default: one unnamed relay. */
  servers?: readonly string[];
  /** Interval between hellos while registering, in ms (default 1000). */
  helloRetryMs?: number;
  /** A probe (hello or heartbeat) unanswered this long marks the relay silent, in ms (default 2500). */
  silentAfterMs?: number;
  /**
   * Heartbeats go out at least this often while idle, in ms (default: the relay's interval, 10 s; 5 s with
   * several servers). An idle client notices a dead relay within this plus `silentAfterMs`.
   */
  maxHeartbeatMs?: number;
  /** Delivery tuning (give-up time, hold time, bounds); defaults as documented in outbox.ts / inbox.ts. */
  delivery?: OutboxOptions & InboxOptions;
  /** The shared secret, if any: hellos are padded for its trailer, and relay errors are explained with it in mind. */
  secret?: AuthKey | null;
  /** After NAME_TAKEN at registration, how long hellos go on, in ms (default: the presence timeout + 3 s). */
  nameRetryForMs?: number;
  /** The grace after re-registering, in ms (default REJOIN_GRACE_MS = 15 s, the presence timeout): see constants.ts. */
  rejoinGraceMs?: number;
  /** The identity key of each name (PROTOCOL.md §6.5), or null/absent: registers without keys (`--ephemeral`). */
  identity?: IdentityProvider | null;
  /** Makes the store the contact list is kept in (default: a `Roster`). Only the presence benchmark's crowd gives another (apps/client/bench/src/presence). */
  rosterStore?: () => RosterStore;
}

/** Why `send` refused a message. */
export class SendError extends Error {
  constructor(
    readonly code: 'EMPTY' | 'TOO_LONG' | 'QUEUE_FULL',
    message: string,
  ) {
    super(message);
  }
}


/**
 * Checks that `text` can be one chat message.
 * @throws SendError EMPTY (no text), TOO_LONG (over MAX_TEXT_BYTES = 790 bytes of UTF-8, PROTOCOL.md §4.6).
 */
export function checkText(text: string): void {
  if (text.length === 0) throw new SendError('EMPTY', 'empty messages are not sent');
  const bytes = utf8Length(text);
  if (bytes > MAX_TEXT_BYTES) throw new SendError('TOO_LONG', `message is ${bytes} bytes; one datagram holds at most ${MAX_TEXT_BYTES}`);
}
