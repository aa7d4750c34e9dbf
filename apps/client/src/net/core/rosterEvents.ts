/**
 * The core's contact-list handling (PROTOCOL.md §6.7): what the roster
 * messages (`contacts` pages, numbered `join` / `leave` / `rename` /
 * `roster-delta`, the version in `heartbeat-ack`) do through RosterSync, and
 * what roster changes do to delivery and what the core reports of them: a
 * join kicks the messages waiting for that contact, a leave ends them, a
 * rename moves its conversations (PROTOCOL.md §5). A gap asks for the
 * changes since at once (one `list` at a time).
 */
import type {
  ContactsMessage,
  HeartbeatAckMessage,
  JoinMessage,
  LeaveMessage,
  LeaveReason,
  RenameMessage,
  RosterDeltaMessage,
} from '@udpchat/protocol';
import type { DeliveryLink } from './deliveryLink.js';
import type { ChangeResult, RosterEvent, RosterSync } from './rosterSync.js';
import type { Output } from './types.js';

/** What `actOnRoster` needs of the core. */
export interface RosterActors {
  readonly delivery: DeliveryLink;
  readonly emit: Output['emit'];
  /** A contact went offline (the core drops what it held from it and ends what waits for it). */
  leave(name: string, reason: LeaveReason): void;
}

/** What `onRosterMessage` needs of the core besides the actors. */
export interface RosterCore extends RosterActors {
  readonly sync: RosterSync;
  /** The own name now (news of it is skipped). */
  self(): string;
  /** The `list` out is answered (a list taken, or changes that leave no gap). */
  answered(): void;
  /** A change is missing: sends `list` at the list's version, unless one waits for its answer or the core is not registered. */
  askIfIdle(now: number): void;
}

/** A datagram from the relay about the contact list. */
export type RosterMessage = ContactsMessage | JoinMessage | LeaveMessage | RenameMessage | RosterDeltaMessage | HeartbeatAckMessage;

/** Takes one roster message at `now`: applies it, acts on what changed, and asks for what a gap missed. */
export function onRosterMessage(message: RosterMessage, now: number, core: RosterCore): void {
  const { sync } = core;
  let result: ChangeResult;
  switch (message.kind) {
    case 'contacts': {
      if (sync.isStale(message)) return; // an old answer: the list has newer changes
      core.answered();
      const full = sync.page(message);
      if (!full) return;
      actOnRoster(full.events, now, core); // those missing from the list have left (their leave was lost)
      core.emit('contacts', sync.withAwaited(full.contacts));
      result = full;
      break;
    }
    case 'roster-delta':
      result = sync.delta(message, core.self());
      if (!result.gap) core.answered();
      actOnRoster(result.events, now, core);
      break;
    case 'heartbeat-ack':
      result = { events: [], gap: sync.behind(message) };
      break;
    default:
      result = sync.push(message, core.self());
      actOnRoster(result.events, now, core);
  }
  if (result.gap) core.askIfIdle(now);
}

/** Acts on `events`, in order, at `now`. A contact awaited back after a relay restart joins without a `join` event. */
export function actOnRoster(events: readonly RosterEvent[], now: number, core: RosterActors): void {
  for (const e of events) {
    if (e.type === 'join') {
      core.delivery.outbox.kick(e.contact.name, now);
      if (!e.back) core.emit('join', e.contact);
    } else if (e.type === 'leave') {
      core.leave(e.name, e.reason);
    } else {
      core.delivery.outbox.renameContact(e.from, e.to);
      core.delivery.inbox.renameSender(e.from, e.to);
      core.emit('rename', e.from, e.to);
    }
  }
}
