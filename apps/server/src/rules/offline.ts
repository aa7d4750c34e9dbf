/**
 * Offline messages, store and forward (PROTOCOL.md §6.6): a direct chat to a
 * reserved name that is offline is committed to the store, then the sender
 * is told `stored`; when the name registers again with its key the stored
 * chats go to it in order, retransmitted until its ack covers them; each
 * acknowledged one becomes a receipt for its sender, handed over (and kept
 * until `receipt-ack`) when the sender is registered with its key.
 */
import { ERROR_CODES, nameKey, utf8Length, type AckMessage, type ChatMessage, type ReceiptAckMessage } from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import { STORED_RESEND_MS, type InFlight } from '../state/offlineDeliveries.js';
import type { Receipt } from '../store/relayStore.js';
import type { RouterContext } from './context.js';
import { HANDLED, type RouteOutcome } from './outcome.js';
import { errorReply } from './replies.js';

/**
 * A direct chat from `sender` to `message.to`, who is not online: stored
 * when the name is reserved (then `stored`, or OFFLINE_FULL past a bound).
 * @returns false when the name is not reserved (the caller answers UNKNOWN_CONTACT).
 */
export function storeOffline(ctx: RouterContext, message: ChatMessage, sender: Contact): boolean {
  const recipientKey = nameKey(message.to);
  const binding = ctx.store.binding(recipientKey);
  if (!binding) return false;
  const { maxMessages, maxBytes } = ctx.offline.limits;
  if (!ctx.store.isStored(recipientKey, message.id)) {
    const usage = ctx.store.usage(recipientKey);
    const bytes = utf8Length(message.text);
    if (usage.count >= maxMessages || usage.bytes + bytes > maxBytes) {
      const why = usage.count >= maxMessages ? `${usage.count} messages (at most ${maxMessages})` : `${usage.bytes} bytes (at most ${maxBytes})`;
      ctx.out.send(errorReply(ERROR_CODES.OFFLINE_FULL, `${binding.name} is offline and has ${why} waiting at the relay: not stored`, message.id), sender.endpoint);
      return true;
    }
    ctx.store.storeChat(
      {
        recipientKey,
        recipient: binding.name,
        sender: sender.name,
        senderKey: sender.key,
        senderKeyed: sender.identity !== undefined,
        id: message.id,
        epoch: message.epoch,
        seq: message.seq,
        base: message.base,
        time: message.time,
        text: message.text,
      },
      ctx.wallClock(),
    );
    ctx.log.debug({ id: message.id, from: sender.name, to: binding.name }, 'chat stored for an offline name');
  }
  // Committed (synchronous=FULL) before the sender hears of it.
  ctx.out.send({ kind: 'stored', id: message.id, to: binding.name }, sender.endpoint);
  return true;
}

/** Sends the receipt of `id` to its sender `to`, and again every STORED_RESEND_MS until its receipt-ack (while `to` stays). */
function sendReceipt(ctx: RouterContext, to: Contact, id: string, by: string): void {
  ctx.out.send({ kind: 'receipt', id, by }, to.endpoint);
  ctx.offline.deliveries.receiptSent(to.key, id, by, ctx.now());
}

function sendInFlight(ctx: RouterContext, to: Contact, f: InFlight): void {
  const { chat } = f;
  ctx.out.send(
    { kind: 'chat', id: chat.id, from: chat.sender, to: to.name, epoch: chat.epoch, seq: chat.seq, base: f.base, time: chat.time, text: chat.text },
    to.endpoint,
  );
}

/** `contact` registered (or renamed) with its key: its stored chats, in store order, then its receipts. */
export function deliverStored(ctx: RouterContext, contact: Contact): void {
  const stored = ctx.store.storedFor(contact.key);
  for (const f of ctx.offline.deliveries.begin(contact.key, stored, ctx.now())) sendInFlight(ctx, contact, f);
  for (const r of ctx.store.receiptsFor(contact.key)) sendReceipt(ctx, contact, r.id, r.by);
  if (stored.length > 0) ctx.log.info({ contact: contact.name, stored: stored.length }, 'stored chats sent');
}

/**
 * Stored chats of `contact` (registered here with its key) not yet in flight
 * to it: sent now and tracked beside those in flight (which keep their
 * timing: a second call loses none of them). Cluster mode: another relay
 * stored them while `contact` was here already.
 * @returns how many were sent.
 */
export function deliverNewlyStored(ctx: RouterContext, contact: Contact): number {
  const added = ctx.offline.deliveries.add(contact.key, ctx.store.storedFor(contact.key), ctx.now());
  for (const f of added) sendInFlight(ctx, contact, f);
  if (added.length > 0) ctx.log.info({ contact: contact.name, stored: added.length }, 'stored chats sent');
  return added.length;
}

/**
 * The receipts waiting in the store for `contact` (registered here) that are
 * not in flight to it yet: sent now, then again until its `receipt-ack`.
 * Cluster mode: the recipient acknowledged on another relay.
 * @returns how many were sent.
 */
export function sendNewReceipts(ctx: RouterContext, contact: Contact): number {
  let n = 0;
  for (const r of ctx.store.receiptsFor(contact.key)) {
    if (ctx.offline.deliveries.receiptInFlight(contact.key, r.id)) continue;
    sendReceipt(ctx, contact, r.id, r.by);
    n++;
  }
  return n;
}

/**
 * An `ack` from `sender` for `ack.to`'s conversation: the stored chats it
 * covers are deleted and become receipts (kept for a keyed sender, and for
 * one online on another relay of the cluster, whose relay hands them over;
 * sent now when the sender is online here). The caller forwards the ack as usual.
 * @returns whether it acknowledged stored chats (then it was of use even when its sender is offline).
 */
export function ackStored(ctx: RouterContext, ack: AckMessage, sender: Contact): boolean {
  if (ack.group) return false;
  const done = ctx.offline.deliveries.acknowledge(sender.key, nameKey(ack.to), ack.epoch, ack.upTo, ack.ranges);
  if (done.length === 0) return false;
  const at = ctx.wallClock();
  const target = ctx.contacts.named(ack.to);
  // A keyless sender gets its receipt only while online: here, sent now; on another relay (cluster mode), through the store (its relay hands it over).
  const keep = (f: InFlight) => f.chat.senderKeyed || target?.remote !== undefined;
  const receipts: Receipt[] = done.filter(keep).map((f) => ({ senderKey: f.chat.senderKey, id: f.chat.id, by: sender.name, at }));
  ctx.store.acknowledged(
    done.map((f) => f.chat.row),
    receipts,
  );
  if (target && target.type === 'client' && target.remote === undefined) {
    for (const f of done) sendReceipt(ctx, target, f.chat.id, sender.name);
  }
  return true;
}

/** `receipt-ack` from `sender`: its receipt of that id is forgotten. */
export function onReceiptAck(ctx: RouterContext, message: ReceiptAckMessage, sender: Contact): RouteOutcome {
  ctx.store.dropReceipt(sender.key, message.id);
  ctx.offline.deliveries.receiptTaken(sender.key, message.id);
  return HANDLED;
}

/** Retransmits stored chats and receipts in flight whose answer is late (every STORED_RESEND_MS); forgets those gone. */
export function resendStored(ctx: RouterContext): void {
  const now = ctx.now();
  const deliveries = ctx.offline.deliveries;
  for (const key of deliveries.recipients()) {
    const contact = ctx.contacts.named(key);
    if (!contact || contact.type !== 'client' || contact.remote !== undefined || contact.identity === undefined) {
      deliveries.forget(key);
      continue;
    }
    for (const f of deliveries.due(key, now - STORED_RESEND_MS, now)) sendInFlight(ctx, contact, f);
  }
  for (const key of deliveries.receiptSenders()) {
    const contact = ctx.contacts.named(key);
    if (!contact || contact.type !== 'client' || contact.remote !== undefined) {
      deliveries.forgetReceipts(key);
      continue;
    }
    for (const r of deliveries.receiptsDue(key, now - STORED_RESEND_MS, now)) ctx.out.send({ kind: 'receipt', id: r.id, by: r.by }, contact.endpoint);
  }
}
