/**
 * What roster changes do to delivery and what the core reports of them:
 * a join kicks the messages waiting for that contact, a leave ends them, a
 * rename moves its conversations (PROTOCOL.md §5).
 */
import type { LeaveReason } from '@udpchat/protocol';
import type { DeliveryLink } from './deliveryLink.js';
import type { RosterEvent } from './rosterSync.js';
import type { Output } from './types.js';

/** What `actOnRoster` needs of the core. */
export interface RosterActors {
  readonly delivery: DeliveryLink;
  readonly emit: Output['emit'];
  /** A contact went offline (the core drops what it held from it and ends what waits for it). */
  leave(name: string, reason: LeaveReason): void;
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
