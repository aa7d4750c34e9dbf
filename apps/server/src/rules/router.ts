/**
 * What each decoded datagram causes: the session token check (PROTOCOL.md
 * §6.1), then the relay's rules, one handler per kind. Handlers reply
 * through `ctx.out` and change `ctx.contacts`; they never touch a socket.
 */
import {
  ERROR_CODES,
  GROUP_ALL,
  isClientMessage,
  nameKey,
  type AckMessage,
  type ChatMessage,
  type Datagram,
  type HeartbeatMessage,
  type Message,
} from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import type { RouterContext } from './context.js';
import { formatEndpoint, type Endpoint } from '@udpchat/net';
import { expirePending, removeContact } from './membership.js';
import { answerList } from './presence.js';
import { deliverChat } from './fanout.js';
import { HANDLED, type RouteOutcome } from './outcome.js';
import { completeRegistration, helloFromContact, helloFromStranger } from './registration.js';
import { identifyFromContact, identifyPending, refuseKeyless, renameChallenge } from './identity.js';
import { ackStored, onReceiptAck, storeOffline } from './offline.js';
import { errorReply } from './replies.js';
import { tokensEqual } from '../state/sessions.js';
import type { RelayAckSend } from './relayAcks.js';

const NO_TOKEN: RouteOutcome = { handled: false, reason: 'no-token' };
const BAD_TOKEN: RouteOutcome = { handled: false, reason: 'bad-token' };
const UNEXPECTED: RouteOutcome = { handled: false, reason: 'unexpected' };

/**
 * Applies the relay's rules to one well-formed (and, in shared-secret mode,
 * authenticated) datagram from `from`:
 * - from a registered client's address, it must carry that client's token,
 *   else it is dropped (`no-token` / `bad-token`) without any effect — it may
 *   be forged; with it, it refreshes `lastSeen` and is handled;
 * - from a pending address with its token, it completes registration first;
 * - from anyone else (strangers, plain peers' addresses, pending addresses
 *   without the token), the bytes count as anti-amplification credit and
 *   only `hello` is served; a chat, heartbeat or list gets NOT_REGISTERED
 *   (within the anti-amplification limit).
 * Messages only a relay sends are dropped as `unexpected` and never
 * answered, so two relays (or a confused client) cannot ping-pong errors.
 * @param key `formatEndpoint(from)`.
 * @param size the datagram's length in bytes.
 * @throws whatever a bug throws; the caller counts it as `internal`.
 */
export function route(ctx: RouterContext, datagram: Datagram, from: Endpoint, key: string, size: number): RouteOutcome {
  const { message, token } = datagram;
  const known = ctx.contacts.atKey(key);
  if (known !== undefined && known.type === 'client') {
    if (token === undefined) return NO_TOKEN;
    if (!tokensEqual(token, known.token)) return BAD_TOKEN;
    ctx.contacts.touch(known, ctx.now());
    return fromContact(ctx, message, known);
  }
  ctx.amplification.credit(key, size, ctx.now());
  expirePending(ctx); // the 5 s deadline holds between sweeps
  const pending = ctx.pending.at(key);
  if (pending !== undefined && tokensEqual(token, pending.token)) {
    if (message.kind === 'bye') {
      // Never mind: nobody heard of it yet.
      ctx.pending.remove(pending);
      return HANDLED;
    }
    if (message.kind === 'identify') return identifyPending(ctx, pending, message);
    if (refuseKeyless(ctx, pending)) return HANDLED; // a reserved name needs its key (PROTOCOL.md §6.5)
    const contact = completeRegistration(ctx, pending);
    return contact ? fromContact(ctx, message, contact) : HANDLED;
  }
  return fromStranger(ctx, message, token, from, key);
}

/** A message from the registered client `sender` (token checked). */
function fromContact(ctx: RouterContext, message: Message, sender: Contact): RouteOutcome {
  if (!isClientMessage(message)) return UNEXPECTED; // a kind only a relay sends (KIND_DIRECTION)
  switch (message.kind) {
    case 'hello':
      return renameChallenge(ctx, message, sender) ?? helloFromContact(ctx, message, sender);
    case 'heartbeat':
      return onHeartbeat(ctx, message, sender);
    case 'chat':
      return onChat(ctx, message, sender);
    case 'bye':
      removeContact(ctx, sender, 'bye');
      return HANDLED;
    case 'ack':
      return onAck(ctx, message, sender);
    case 'list':
      answerList(ctx, sender, message.epoch, message.version);
      return HANDLED;
    case 'identify':
      return identifyFromContact(ctx, message, sender);
    case 'receipt-ack':
      return onReceiptAck(ctx, message, sender);
  }
}

/** A message from an address that is not a registered client. */
function fromStranger(ctx: RouterContext, message: Message, token: Uint8Array | undefined, from: Endpoint, key: string): RouteOutcome {
  if (!isClientMessage(message)) return UNEXPECTED;
  switch (message.kind) {
    case 'hello':
      return helloFromStranger(ctx, message, token, from, key);
    case 'heartbeat':
    case 'list':
      return notRegistered(ctx, from, key, '');
    case 'chat':
      return notRegistered(ctx, from, key, message.id);
    case 'bye':
      return { handled: false, reason: 'bye-unregistered' };
    case 'identify':
      return notRegistered(ctx, from, key, '');
    case 'ack':
    case 'receipt-ack':
      // Never answered (PROTOCOL.md §6 "Acks").
      return { handled: false, reason: 'ack-unregistered' };
  }
}

/** NOT_REGISTERED to an unvalidated address (shortened or not sent under the anti-amplification limit). */
function notRegistered(ctx: RouterContext, from: Endpoint, key: string, ref: string): RouteOutcome {
  ctx.out.reply(errorReply(ERROR_CODES.NOT_REGISTERED, `${formatEndpoint(from)} is not registered: send hello first`, ref), from, key);
  return HANDLED;
}

/** heartbeat{seq}: heartbeat-ack with the same seq and the roster version last pushed (PROTOCOL.md §4.8, §6.7). */
function onHeartbeat(ctx: RouterContext, message: HeartbeatMessage, sender: Contact): RouteOutcome {
  ctx.out.send({ kind: 'heartbeat-ack', seq: message.seq, epoch: ctx.roster.epoch, version: ctx.roster.published }, sender.endpoint);
  return HANDLED;
}

/**
 * chat: to the group or one contact (a client, or a plain peer by `ip:port`,
 * which gets `[from] text`), always `from` the sender's registered name.
 */
function onChat(ctx: RouterContext, message: ChatMessage, sender: Contact): RouteOutcome {
  const from = sender.endpoint;
  if (message.text.length === 0) {
    ctx.out.send(errorReply(ERROR_CODES.EMPTY_TEXT, 'empty messages are not sent', message.id), from);
    return HANDLED;
  }
  if (nameKey(message.to) === GROUP_ALL) {
    const recipients = ctx.contacts.othersThan(sender);
    deliverChat(ctx, { ...message, from: sender.name, to: GROUP_ALL }, recipients);
    relayAck(ctx, message, recipients, from);
    ctx.log.debug({ id: message.id, from: sender.name, to: GROUP_ALL, recipients: recipients.length }, 'chat relayed');
    return HANDLED;
  }
  const target = ctx.contacts.named(message.to);
  if (!target) {
    if (storeOffline(ctx, message, sender)) return HANDLED; // a reserved name: stored for it (PROTOCOL.md §6.6)
    ctx.out.send(errorReply(ERROR_CODES.UNKNOWN_CONTACT, `${message.to} is not online`, message.id), from);
    return HANDLED;
  }
  deliverChat(ctx, { ...message, from: sender.name, to: target.name }, [target]);
  if (target.type === 'client' && message.seq !== 0) {
    // Its ack will most likely say more, sooner (PROTOCOL.md §4.11).
    ctx.relayAcks.holdId(sender, target, message.epoch, message.seq, message.id, ctx.now(), heldRelayAckSender(ctx));
  } else {
    relayAck(ctx, message, [target], from);
  }
  ctx.log.debug({ id: message.id, from: sender.name, to: target.name }, 'chat relayed');
  return HANDLED;
}

/**
 * How the relay-acks held by `ctx.relayAcks` go out when due: to the sender
 * if it is still registered at the same address with the same token (a
 * rename keeps both), else not at all (it left or moved: it retransmits).
 */
export function heldRelayAckSender(ctx: RouterContext): RelayAckSend {
  return (sender, id) => {
    const current = ctx.contacts.atKey(sender.endpointKey);
    if (current === undefined || current.token === undefined || !tokensEqual(current.token, sender.token)) return;
    ctx.out.send({ kind: 'relay-ack', id, recipients: 1 }, current.endpoint);
  };
}

/**
 * Hop 1 of delivery: tells the sender the relay has the message and how many
 * delivery acks to expect (protocol clients only: plain-text peers cannot ack).
 * Sent after forwarding, so it never arrives before the recipients had their chance.
 */
function relayAck(ctx: RouterContext, message: ChatMessage, recipients: readonly Contact[], from: Endpoint): void {
  const clients = recipients.filter((c) => c.type === 'client').length;
  ctx.out.send({ kind: 'relay-ack', id: message.id, recipients: Math.min(clients, 0xffff) }, from);
}

/**
 * ack: a recipient acknowledges a conversation to its sender; forwarded to the
 * contact named in `to` (or its relay, for a remote contact), with `from` = the acker's registered name. Never answered.
 */
function onAck(ctx: RouterContext, message: AckMessage, sender: Contact): RouteOutcome {
  const ofStored = ackStored(ctx, message, sender); // stored chats it covers become receipts (PROTOCOL.md §6.6)
  const target = ctx.contacts.named(message.to);
  if (!target || target.type !== 'client') return ofStored ? HANDLED : { handled: false, reason: 'ack-unknown-contact' };
  const forwarded = { ...message, from: sender.name, to: target.name };
  if (target.remote !== undefined) ctx.cluster?.direct(forwarded, target); // to its relay (cluster mode)
  else ctx.out.send(forwarded, target.endpoint);
  if (!message.group) ctx.relayAcks.ackPassedRanges(target, sender, message.epoch, message.upTo, message.ranges, ctx.now());
  return HANDLED;
}
