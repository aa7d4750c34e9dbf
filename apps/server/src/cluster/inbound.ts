/**
 * What other relays send this relay for its own contacts (CLUSTER.md):
 * routed chats and acks (given to the local recipient as if it came from
 * a local sender), group chats (to every local contact), and take-overs
 * (the local session of a name another relay took ends).
 */
import { ERROR_CODES, GROUP_ALL, nameKey } from '@udpchat/protocol';
import type { Logger } from 'pino';
import type { RouterContext } from '../rules/context.js';
import { deliverChat } from '../rules/fanout.js';
import { removeContact } from '../rules/membership.js';
import { errorReply } from '../rules/replies.js';
import type { RoutedMessage } from './envelope.js';

/** The counters of routed datagrams (ClusterStats). */
export interface RoutedCounts {
  routedOut: number;
  routedIn: number;
  routedDropped: number;
  malformed: number;
}

/**
 * Delivers a routed chat or ack to the local contact it is for: a direct
 * chat or an ack to its `to` (dropped and counted when that name is not a
 * local contact any more: its sender retransmits), a group chat to every
 * local contact but one of the sender's name. An ack passing back to the
 * chat's sender counts for the relay-acks held for it (PROTOCOL.md §4.11).
 */
export function deliverRouted(ctx: RouterContext, counts: RoutedCounts, message: RoutedMessage, group: boolean): void {
  if (message.kind === 'chat') {
    if (group) {
      if (nameKey(message.to) !== GROUP_ALL) {
        counts.malformed++;
        return;
      }
      const senderKey = nameKey(message.from);
      counts.routedIn++;
      deliverChat(ctx, message, ctx.contacts.locals().filter((l) => l.key !== senderKey));
      return;
    }
    const target = ctx.contacts.named(message.to);
    if (target === undefined || target.remote !== undefined) {
      counts.routedDropped++;
      return;
    }
    counts.routedIn++;
    deliverChat(ctx, message, [target]);
    return;
  }
  const target = ctx.contacts.named(message.to);
  if (group || target === undefined || target.remote !== undefined || target.type !== 'client') {
    counts.routedDropped++;
    return;
  }
  counts.routedIn++;
  ctx.out.send(message, target.endpoint);
  const acker = ctx.contacts.named(message.from);
  if (!message.group && acker !== undefined) ctx.relayAcks.ackPassedRanges(target, acker, message.epoch, message.upTo, message.ranges, ctx.now());
}

/** `relay` took `name` over: the local session of it ends (SESSION_REPLACED, bye; its leave is published as usual). */
export function takenOver(ctx: RouterContext, log: Logger, relay: string, name: string): void {
  const local = ctx.contacts.named(name);
  if (local === undefined || local.remote !== undefined || local.type !== 'client') return;
  ctx.out.send(errorReply(ERROR_CODES.SESSION_REPLACED, `the name ${local.name} signed in again on another relay`), local.endpoint);
  ctx.out.send({ kind: 'bye', reason: `replaced by a new session of ${local.name} on another relay` }, local.endpoint);
  log.info({ contact: local.name, relay }, 'session taken over by another relay');
  removeContact(ctx, local, 'bye');
}
