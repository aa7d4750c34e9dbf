/**
 * Identity keys and reserved names (PROTOCOL.md §6.5): a name is bound to
 * the Ed25519 key that first proves it (trust on first use); a registration
 * or rename of a reserved name must sign a fresh relay challenge with that
 * key (`identify`); the same key takes a registered name over at once.
 */
import { randomBytes } from 'node:crypto';
import {
  CHALLENGE_BYTES,
  ERROR_CODES,
  nameKey,
  nameProblem,
  sameKey,
  verifyIdentify,
  type HelloMessage,
  type IdentifyMessage,
} from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import type { Pending } from '../state/sessions.js';
import type { RouterContext } from './context.js';
import { removeContact, welcomeFor } from './membership.js';
import { rosterChanged, sendContactList } from './presence.js';
import { deliverStored } from './offline.js';
import { HANDLED, type RouteOutcome } from './outcome.js';
import { completeRegistration } from './registration.js';
import { errorReply } from './replies.js';

/** "the name bob is reserved for another key" (NAME_KEY_MISMATCH). */
function reserved(name: string) {
  return errorReply(ERROR_CODES.NAME_KEY_MISMATCH, `the name ${name} is reserved for another key`);
}

/** Whether `name` is bound to a key in the store. */
export function isReserved(ctx: RouterContext, name: string): boolean {
  return ctx.store.binding(nameKey(name)) !== undefined;
}

/**
 * The first datagram with its token from a pending address that is not an
 * `identify`: a registration without a key, refused for a reserved name
 * (NAME_KEY_MISMATCH; the pending registration is forgotten). A move keeps
 * working without a key (its token proves the session).
 * @returns true when refused.
 */
export function refuseKeyless(ctx: RouterContext, pending: Pending): boolean {
  if (pending.replaces || !isReserved(ctx, pending.name)) return false;
  ctx.pending.remove(pending);
  ctx.out.send(reserved(pending.name), pending.endpoint);
  return true;
}

/**
 * Checks `message` (its key against the name's binding, then its signature
 * over `challenge`) and binds the name on first use.
 * @returns the error to send, or undefined when it proves the key.
 */
function prove(ctx: RouterContext, message: IdentifyMessage, challenge: Uint8Array) {
  const key = nameKey(message.name);
  const binding = ctx.store.binding(key);
  if (binding && !sameKey(binding.publicKey, message.publicKey)) return reserved(message.name);
  if (!verifyIdentify(message.publicKey, challenge, message.name, message.signature)) {
    return errorReply(ERROR_CODES.BAD_SIGNATURE, `the signature for ${message.name} does not verify (replayed or forged)`);
  }
  if (!binding) {
    ctx.store.bind(message.name, key, message.publicKey, ctx.wallClock());
    ctx.log.info({ contact: message.name }, 'name bound to its key');
  }
  return undefined;
}

/** Ends `old`'s registration for a new session proving the same key: SESSION_REPLACED and bye to it, leave to the others. */
function replace(ctx: RouterContext, old: Contact): void {
  if (old.remote !== undefined) {
    // A user of another relay (cluster mode): that relay ends its session; the leave is pushed here now.
    ctx.log.info({ contact: old.name, relay: old.remote.relay }, 'session taken over from another relay by the same key');
    ctx.cluster?.claim(old, false);
    return;
  }
  ctx.out.send(errorReply(ERROR_CODES.SESSION_REPLACED, `the name ${old.name} signed in again with its key elsewhere`), old.endpoint);
  ctx.out.send({ kind: 'bye', reason: `replaced by a new session of ${old.name}` }, old.endpoint);
  ctx.log.info({ contact: old.name, address: old.endpoint.address, port: old.endpoint.port }, 'session taken over by the same key');
  removeContact(ctx, old, 'bye');
}

/** What a registered contact gets after proving its key: its contact list, then what was stored for it and its receipts. */
function welcomeBack(ctx: RouterContext, contact: Contact): void {
  sendContactList(ctx, contact);
  deliverStored(ctx, contact);
}

/**
 * `identify` from a pending address with its token (PROTOCOL.md §6.5):
 * proves the key of the pending name over the pending token, then completes
 * the registration — a move as in §6.1, or a new contact, taking the name
 * over from a registration with the same key — and answers like `list`.
 */
export function identifyPending(ctx: RouterContext, pending: Pending, message: IdentifyMessage): RouteOutcome {
  const { endpoint } = pending;
  if (nameKey(message.name) !== pending.key) {
    ctx.out.send(errorReply(ERROR_CODES.UNEXPECTED, `identify for ${message.name} while registering ${pending.name}`), endpoint);
    return HANDLED;
  }
  const refused = prove(ctx, message, pending.token);
  if (refused) {
    ctx.pending.remove(pending);
    ctx.out.send(refused, endpoint);
    return HANDLED;
  }
  const owner = ctx.contacts.named(pending.name);
  let relocate: Contact | undefined;
  if (owner && owner !== pending.replaces) {
    if (owner.type !== 'client' || !sameKey(owner.identity, message.publicKey)) {
      ctx.pending.remove(pending);
      ctx.out.send(errorReply(ERROR_CODES.NAME_TAKEN, `name "${pending.name}" is taken`), endpoint);
      return HANDLED;
    }
    if (owner.remote !== undefined && ctx.contacts.localSize >= ctx.config.maxContacts) {
      // Taking a name from another relay adds a contact here: refused before that relay is told anything.
      ctx.pending.remove(pending);
      ctx.out.send(errorReply(ERROR_CODES.RELAY_FULL, `the relay is full (${ctx.config.maxContacts} contacts)`), endpoint);
      return HANDLED;
    }
    // A user of another relay proving the same key (its relay down, stopping, or not known to be down yet): the same
    // user, moving here (cluster mode, CLUSTER.md): relocated as the other relays see it, no leave, no join.
    if (owner.remote !== undefined) relocate = owner;
    else replace(ctx, owner);
  }
  const contact = completeRegistration(ctx, pending, relocate); // a move as in §6.1, or new (the name is free now)
  if (!contact) return HANDLED;
  contact.identity = message.publicKey.slice();
  welcomeBack(ctx, contact);
  return HANDLED;
}

/**
 * `hello` with another name from a registered contact: a keyed contact gets a
 * `challenge` (the rename waits for its `identify`); a keyless one is refused
 * a reserved name (NAME_KEY_MISMATCH). Same name key (a re-spelling, or the
 * same name): nothing to prove.
 * @returns the outcome when handled here, undefined to go on with the plain rename rules.
 */
export function renameChallenge(ctx: RouterContext, message: HelloMessage, sender: Contact): RouteOutcome | undefined {
  const key = nameKey(message.name);
  if (key === sender.key || nameProblem(message.name)) return undefined; // nothing to prove, or refused by the plain rules
  if (sender.identity === undefined) {
    if (!isReserved(ctx, message.name)) return undefined;
    ctx.out.send(reserved(message.name), sender.endpoint);
    return HANDLED;
  }
  const bytes = new Uint8Array(randomBytes(CHALLENGE_BYTES));
  sender.challenge = { key, name: message.name, bytes };
  ctx.out.send({ kind: 'challenge', name: message.name, challenge: bytes }, sender.endpoint);
  return HANDLED;
}

/**
 * `identify` from a registered contact: the answer to its rename `challenge`
 * (then the rename, binding the new name on first use, taking it over from a
 * session with the same key), or its registration's `identify` again (its
 * contact list was lost: sent again).
 */
export function identifyFromContact(ctx: RouterContext, message: IdentifyMessage, sender: Contact): RouteOutcome {
  const key = nameKey(message.name);
  if (key === sender.key && sender.challenge === undefined) {
    const token = sender.token;
    if (token && sameKey(sender.identity, message.publicKey) && verifyIdentify(message.publicKey, token, message.name, message.signature)) {
      sendContactList(ctx, sender);
    }
    return HANDLED;
  }
  const challenge = sender.challenge;
  if (!challenge || challenge.key !== key) {
    ctx.out.send(errorReply(ERROR_CODES.UNEXPECTED, `no rename to ${message.name} was asked`), sender.endpoint);
    return HANDLED;
  }
  sender.challenge = undefined;
  const refused = prove(ctx, message, challenge.bytes);
  if (refused) {
    ctx.out.send(refused, sender.endpoint);
    return HANDLED;
  }
  const owner = ctx.contacts.named(message.name);
  if (owner && owner !== sender) {
    if (owner.type !== 'client' || !sameKey(owner.identity, message.publicKey)) {
      ctx.out.send(errorReply(ERROR_CODES.NAME_TAKEN, `name "${message.name}" is taken`), sender.endpoint);
      return HANDLED;
    }
    replace(ctx, owner);
  }
  const renamed = ctx.contacts.rename(sender, challenge.name);
  renamed.identity = message.publicKey.slice();
  const { address, port } = sender.endpoint;
  ctx.log.info({ from: sender.name, to: renamed.name, address, port }, 'contact renamed');
  if (sender.token) ctx.out.send(welcomeFor(ctx, renamed.name, renamed.endpoint, sender.token), renamed.endpoint);
  rosterChanged(ctx, [{ name: sender.name, state: 'left-bye' }, { name: renamed.name, state: 'client' }], { kind: 'rename', from: sender.name, name: renamed.name });
  ctx.events.renamed(renamed, sender.name);
  deliverStored(ctx, renamed);
  return HANDLED;
}
