/**
 * What each decoded message causes: the relay's rules, one handler per kind.
 * Handlers reply through `ctx.out` and change `ctx.contacts`; they never
 * touch a socket.
 */
import {
  describeNameProblem,
  ERROR_CODES,
  GROUP_ALL,
  nameKey,
  nameProblem,
  type AckMessage,
  type ByeMessage,
  type ChatMessage,
  type HeartbeatMessage,
  type HelloMessage,
  type Message,
} from '@udpchat/protocol';
import type { Contact } from './contacts.js';
import type { RouterContext } from './context.js';
import { formatEndpoint, type Endpoint } from './endpoint.js';
import { registerContact, removeContact, sendWelcome } from './membership.js';
import { deliverChat } from './plainPeers.js';
import { errorReply } from './replies.js';
import type { DropReason } from './stats.js';

/** What became of a message: handled (possibly refused with an `error`), or dropped without effect. */
export type RouteOutcome = { readonly handled: true } | { readonly handled: false; readonly reason: DropReason };

const HANDLED: RouteOutcome = { handled: true };

/**
 * Applies the relay's rules to one well-formed message from `from`.
 * Any valid message from a registered endpoint (client or plain peer) first
 * refreshes its `lastSeen`. A plain peer's address counts as unregistered
 * for everything but `hello`, which turns it into a client.
 * Messages only a relay sends (welcome, contacts, join, leave, heartbeat-ack,
 * error) are dropped as `unexpected` and never answered, so two relays (or a
 * confused client) cannot ping-pong errors.
 * @throws whatever a bug throws; the caller counts it as `internal`.
 */
export function route(ctx: RouterContext, message: Message, from: Endpoint): RouteOutcome {
  const known = ctx.contacts.atEndpoint(from);
  if (known) ctx.contacts.touch(known, ctx.now());
  const sender = known?.type === 'client' ? known : undefined;
  switch (message.kind) {
    case 'hello':
      return onHello(ctx, message, from, sender, known?.type === 'plain' ? known : undefined);
    case 'heartbeat':
      return onHeartbeat(ctx, message, from, sender);
    case 'chat':
      return onChat(ctx, message, from, sender);
    case 'bye':
      return onBye(ctx, message, sender);
    case 'ack':
      return onAck(ctx, message, sender);
    case 'relay-ack':
    case 'welcome':
    case 'contacts':
    case 'join':
    case 'leave':
    case 'heartbeat-ack':
    case 'error':
      return { handled: false, reason: 'unexpected' };
  }
}

function notRegistered(ctx: RouterContext, from: Endpoint, ref: string): RouteOutcome {
  ctx.out.send(errorReply(ERROR_CODES.NOT_REGISTERED, `${formatEndpoint(from)} is not registered: send hello first`, ref), from);
  return HANDLED;
}

/**
 * hello{name}: register, re-welcome (same name), rename (new name), or refuse.
 * `plain`: the plain peer at `from`, replaced by the new client (leave `bye` for it, then join).
 */
function onHello(ctx: RouterContext, message: HelloMessage, from: Endpoint, sender: Contact | undefined, plain: Contact | undefined): RouteOutcome {
  const { name } = message;
  const problem = nameProblem(name);
  if (problem) {
    const code = problem === 'reserved' ? ERROR_CODES.NAME_RESERVED : ERROR_CODES.NAME_INVALID;
    ctx.out.send(errorReply(code, describeNameProblem(name, problem)), from);
    return HANDLED;
  }
  const owner = ctx.contacts.named(name);
  if (owner && owner !== sender) {
    ctx.out.send(errorReply(ERROR_CODES.NAME_TAKEN, `name "${name}" is taken`), from);
    return HANDLED;
  }
  if (sender && sender.name === name) {
    // Idempotent: the welcome (or a contacts page) was probably lost. No second join.
    sendWelcome(ctx, sender);
    ctx.log.debug({ contact: name, address: from.address, port: from.port }, 'contact re-registered');
    return HANDLED;
  }
  if (sender) {
    removeContact(ctx, sender, 'renamed');
    ctx.log.info({ from: sender.name, to: name, address: from.address, port: from.port }, 'contact renamed');
  }
  if (plain) {
    removeContact(ctx, plain, 'renamed');
    ctx.log.info({ contact: plain.name, to: name, address: from.address, port: from.port }, 'plain peer became a client');
  }
  registerContact(ctx, name, from);
  return HANDLED;
}

/** heartbeat{seq}: ack from a registered endpoint, NOT_REGISTERED otherwise. */
function onHeartbeat(ctx: RouterContext, message: HeartbeatMessage, from: Endpoint, sender: Contact | undefined): RouteOutcome {
  if (!sender) return notRegistered(ctx, from, '');
  ctx.out.send({ kind: 'heartbeat-ack', seq: message.seq }, from);
  return HANDLED;
}

/**
 * chat: to the group or one contact (a client, or a plain peer by `ip:port`,
 * which gets `[from] text`), always `from` the sender's registered name.
 */
function onChat(ctx: RouterContext, message: ChatMessage, from: Endpoint, sender: Contact | undefined): RouteOutcome {
  if (!sender) return notRegistered(ctx, from, message.id);
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
    ctx.out.send(errorReply(ERROR_CODES.UNKNOWN_CONTACT, `${message.to} is not online`, message.id), from);
    return HANDLED;
  }
  deliverChat(ctx, { ...message, from: sender.name, to: target.name }, [target]);
  relayAck(ctx, message, [target], from);
  ctx.log.debug({ id: message.id, from: sender.name, to: target.name }, 'chat relayed');
  return HANDLED;
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
 * contact named in `to`, with `from` = the acker's registered name. Never answered.
 */
function onAck(ctx: RouterContext, message: AckMessage, sender: Contact | undefined): RouteOutcome {
  if (!sender) return { handled: false, reason: 'ack-unregistered' };
  const target = ctx.contacts.named(message.to);
  if (!target || target.type !== 'client') return { handled: false, reason: 'ack-unknown-contact' };
  ctx.out.send({ ...message, from: sender.name, to: target.name }, target.endpoint);
  return HANDLED;
}

/** bye: the sender leaves at once; a bye from a stranger is dropped. */
function onBye(ctx: RouterContext, _message: ByeMessage, sender: Contact | undefined): RouteOutcome {
  if (!sender) return { handled: false, reason: 'bye-unregistered' };
  removeContact(ctx, sender, 'bye');
  return HANDLED;
}
