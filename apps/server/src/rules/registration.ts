/**
 * Registration (PROTOCOL.md §6.1): `hello` → pending with a session token →
 * `welcome{token}` → the first datagram with the token completes it. Also
 * re-registration, renaming and moving to a new address.
 *
 * Everything sent to an address before it completes registration goes
 * through `ctx.out.reply` (anti-amplification); once it has sent its token
 * back, it is validated and `ctx.out.send` is used.
 */
import {
  describeNameProblem,
  ERROR_CODES,
  nameKey,
  nameProblem,
  type ErrorMessage,
  type HelloMessage,
} from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import type { RouterContext } from './context.js';
import type { Endpoint } from '@udpchat/net';
import { registerContact, removeContact, welcomeFor } from './membership.js';
import { rosterChanged } from './presence.js';
import { errorReply } from './replies.js';
import { HANDLED, type RouteOutcome } from './outcome.js';
import { tokensEqual, type Pending } from '../state/sessions.js';

/**
 * Whether `owner` is a keyless user of another relay that is down or
 * stopping (cluster mode, `Contact.remote.moving`): whoever registers its
 * name here within the grace is taken to be it, moving (CLUSTER.md
 * "Relay failure"). A keyed one must prove its key first (identity.ts).
 */
export function relocatable(owner: Contact): boolean {
  return owner.remote !== undefined && owner.remote.moving && owner.identity === undefined;
}

/** The error for a name `nameProblem` objects to, or undefined when the name is fine. */
function nameError(name: string): ErrorMessage | undefined {
  const problem = nameProblem(name);
  if (!problem) return undefined;
  const code = problem === 'reserved' ? ERROR_CODES.NAME_RESERVED : ERROR_CODES.NAME_INVALID;
  return errorReply(code, describeNameProblem(name, problem));
}

/**
 * `hello` from an address that is not a registered client (a stranger, a
 * plain peer, or a pending registration): refuse (NAME_INVALID,
 * NAME_RESERVED, NAME_TAKEN, RELAY_FULL, TOO_MANY_REGISTRATIONS), or make the
 * address pending and send `welcome` with a new token. A repeated `hello`
 * for the same name from a pending address gets the same token again. A
 * `hello` carrying the token of the contact registered under that name is a
 * move: pending too, completed by `completeRegistration`.
 * @param token the datagram's session token, if any.
 * @param key `formatEndpoint(from)`.
 */
export function helloFromStranger(
  ctx: RouterContext,
  message: HelloMessage,
  token: Uint8Array | undefined,
  from: Endpoint,
  key: string,
): RouteOutcome {
  const { name } = message;
  const refuse = (error: ErrorMessage): RouteOutcome => {
    ctx.out.reply(error, from, key);
    return HANDLED;
  };
  const invalid = nameError(name);
  if (invalid) return refuse(invalid);
  const found = ctx.contacts.named(name);
  if (found?.remote !== undefined && !found.remote.moving && ctx.cluster?.suspect(found) === true) {
    ctx.log.debug({ contact: name, relay: found.remote.relay }, 'hello held: the relay of that name missed its heartbeat');
    return HANDLED; // most likely its own user failing over: the next hello comes after the relay is down (its users moving)
  }
  // A keyless user of another relay that is down or stopping may register here (relocated, CLUSTER.md): the name counts as free.
  const owner = found !== undefined && relocatable(found) ? undefined : found;
  const moving = owner !== undefined && owner.type === 'client' && tokensEqual(token, owner.token) ? owner : undefined;
  // A name reserved for a key may be taken over by a session proving that key (PROTOCOL.md §6.5): pending, not refused.
  // A keyed user of another relay (cluster mode): the key its relay announced decides, once `identify` proves one.
  const takeover = owner !== undefined && owner.identity !== undefined && (owner.remote !== undefined || ctx.store.binding(nameKey(name)) !== undefined);
  if (owner && !moving && !takeover) return refuse(errorReply(ERROR_CODES.NAME_TAKEN, `name "${name}" is taken`));
  const existing = ctx.pending.at(key);
  if (existing && existing.key === nameKey(name) && existing.replaces === moving) {
    // The welcome was probably lost: the same token again.
    ctx.out.reply(welcomeFor(ctx, existing.name, from, existing.token), from, key);
    return HANDLED;
  }
  const { maxContacts, maxPerIp } = ctx.config;
  if (!moving && !takeover && ctx.contacts.localSize >= maxContacts) {
    return refuse(errorReply(ERROR_CODES.RELAY_FULL, `the relay is full (${maxContacts} contacts)`));
  }
  // This address's own pending registration is replaced below: it does not count.
  const held = ctx.contacts.ipCount.get(from.address) - (existing ? 1 : 0);
  if (maxPerIp > 0 && held >= maxPerIp) {
    return refuse(
      errorReply(ERROR_CODES.TOO_MANY_REGISTRATIONS, `too many registrations from ${from.address} (at most ${maxPerIp})`),
    );
  }
  const pending = ctx.pending.add(name, from, ctx.now(), moving);
  ctx.out.reply(welcomeFor(ctx, name, from, pending.token), from, key);
  ctx.log.debug({ contact: name, address: from.address, port: from.port, moving: moving !== undefined }, 'registration pending');
  return HANDLED;
}

/**
 * `hello` from a registered client with its token: the same name → `welcome`
 * again (same token; the client then sends `list`); another name (or another
 * spelling of the same key) → rename: `welcome` with the new name and the
 * same token to it, `rename(old, new)` to every other client (PROTOCOL.md
 * §4.14; plain peers get nothing); an invalid, reserved or taken name → its
 * error, and nothing changes (the contact keeps its old name, nobody is told).
 */
export function helloFromContact(ctx: RouterContext, message: HelloMessage, sender: Contact): RouteOutcome {
  const { name } = message;
  const token = sender.token;
  if (token === undefined) throw new Error('a client contact without a token'); // never: clients always have one
  const invalid = nameError(name);
  if (invalid) {
    ctx.out.send(invalid, sender.endpoint);
    return HANDLED;
  }
  const owner = ctx.contacts.named(name);
  if (owner && owner !== sender) {
    ctx.out.send(errorReply(ERROR_CODES.NAME_TAKEN, `name "${name}" is taken`), sender.endpoint);
    return HANDLED;
  }
  const { address, port } = sender.endpoint;
  if (sender.name === name) {
    ctx.out.send(welcomeFor(ctx, name, sender.endpoint, token), sender.endpoint);
    ctx.log.debug({ contact: name, address, port }, 'contact re-registered');
    return HANDLED;
  }
  const renamed = ctx.contacts.rename(sender, name);
  ctx.log.info({ from: sender.name, to: name, address, port }, 'contact renamed');
  ctx.out.send(welcomeFor(ctx, name, sender.endpoint, token), sender.endpoint);
  rosterChanged(ctx, [{ name: sender.name, state: 'left-bye' }, { name, state: 'client' }], { kind: 'rename', from: sender.name, name });
  ctx.events.renamed(renamed, sender.name);
  return HANDLED;
}

/**
 * Completes `pending`: its address just sent a datagram with its token, so
 * it receives what the relay sends (no more anti-amplification limit).
 * A move rebinds the contact to the new address (no leave, no join); a new
 * registration is checked again (NAME_TAKEN, RELAY_FULL: the contact list
 * may have changed in the meantime) and then joins. A plain peer at the
 * address is replaced (`leave` for it, then `join`). In cluster mode a
 * remote contact of the name is relocated here when it is `relocate` (a
 * keyed user of another relay that proved its key) or `relocatable` (a
 * keyless user of a relay that is down or stopping): it becomes this local
 * contact silently, as the other relays see it (CLUSTER.md) — no leave, no
 * join; a `rename` when the spelling changed.
 * @returns the registered contact, or undefined when refused (an `error` was sent).
 */
export function completeRegistration(ctx: RouterContext, pending: Pending, relocate?: Contact): Contact | undefined {
  ctx.pending.remove(pending);
  ctx.amplification.forget(pending.endpointKey);
  const { endpoint, name, replaces } = pending;
  const atAddress = ctx.contacts.atKey(pending.endpointKey);
  if (atAddress && atAddress.type !== 'plain') {
    // Never happens: a client's address is routed as a contact, not as pending.
    ctx.log.error({ contact: name, address: endpoint.address, port: endpoint.port }, 'pending registration at a client address');
    return undefined;
  }
  const plain = atAddress;
  let owner = ctx.contacts.named(name);
  let relocated: Contact | undefined;
  if (owner !== undefined && owner !== replaces && owner.remote !== undefined && (owner === relocate || relocatable(owner))) {
    relocated = owner;
    owner = undefined;
  }
  if (replaces && owner === replaces) {
    if (plain) removeContact(ctx, plain, 'renamed');
    const moved = ctx.contacts.rebind(replaces, endpoint, pending.token, ctx.now());
    ctx.log.info({ contact: name, from: replaces.endpointKey, to: moved.endpointKey }, 'contact moved');
    return moved;
  }
  if (owner) {
    ctx.out.send(errorReply(ERROR_CODES.NAME_TAKEN, `name "${name}" is taken`), endpoint);
    return undefined;
  }
  const { maxContacts } = ctx.config;
  if (!plain && ctx.contacts.localSize >= maxContacts) {
    ctx.out.send(errorReply(ERROR_CODES.RELAY_FULL, `the relay is full (${maxContacts} contacts)`), endpoint);
    return undefined;
  }
  if (relocated) ctx.cluster?.claim(relocated, true); // its relay ends its session there; no leave here
  if (plain) {
    removeContact(ctx, plain, 'renamed');
    ctx.log.info({ contact: plain.name, to: name, address: endpoint.address, port: endpoint.port }, 'plain peer became a client');
  }
  const contact = registerContact(ctx, name, endpoint, pending.token, relocated !== undefined);
  if (relocated) {
    ctx.log.info({ contact: contact.name, relay: relocated.remote?.relay }, 'contact relocated here from another relay');
    // Another spelling of the same name key: a rename for the others (the other relays push the same).
    if (relocated.name !== contact.name) rosterChanged(ctx, [{ name: relocated.name, state: 'left-bye' }, { name: contact.name, state: 'client' }], { kind: 'rename', from: relocated.name, name: contact.name });
  }
  return contact;
}
