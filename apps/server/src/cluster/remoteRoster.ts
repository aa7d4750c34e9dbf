/**
 * The other relays' users in this relay's roster (CLUSTER.md "Shared
 * presence"): remote contacts (`Contact.remote`) enter and leave the contact
 * table through here, so that every change is a numbered roster change
 * pushed to the local clients (rules/presence.ts) like a local one — join,
 * leave, rename — except the silent ones: a user relocated from a relay
 * that is down or stopping, or one whose relay changed by a take-over.
 */
import { sameKey, type LeaveReason } from '@udpchat/protocol';
import type { RouterContext } from '../rules/context.js';
import { rosterChanged } from '../rules/presence.js';
import { errorReply } from '../rules/replies.js';
import { removeContact } from '../rules/membership.js';
import type { Contact } from '../state/contacts.js';
import { ERROR_CODES } from '@udpchat/protocol';

/** What became of an announced user (for the caller's log). */
export type Arrival = 'joined' | 'relocated' | 'known' | 'refused';

/**
 * `name` (with `key`) is a user of `relay` (a join, or a snapshot's entry).
 * - not in the table: joins (pushed);
 * - a remote contact of `relay`: still there (no longer moving; key updated);
 * - a remote contact of another relay that is moving, or that `replaces`
 *   names (a take-over): relocated, silently (a changed spelling is pushed as a rename);
 * - a remote contact of another relay that is not: both relays claim it at
 *   once (a race): the smaller relay id keeps it, everywhere the same;
 * - a local contact: the same race; when the other relay's id is smaller,
 *   the local session ends (NAME_TAKEN, bye) and the remote one joins.
 */
export function remoteArrived(ctx: RouterContext, self: string, relay: string, name: string, key: Uint8Array | undefined, replaces?: string): Arrival {
  const owner = ctx.contacts.named(name);
  if (owner === undefined) {
    addRemote(ctx, relay, name, key);
    return 'joined';
  }
  if (owner.remote === undefined) {
    if (owner.type !== 'client' || self < relay) return 'refused'; // ours: the other relay drops its session
    ctx.log.warn({ contact: owner.name, relay }, 'name registered on two relays at once: the other relay keeps it');
    ctx.out.send(errorReply(ERROR_CODES.NAME_TAKEN, `name "${owner.name}" is taken on another relay`), owner.endpoint);
    ctx.out.send({ kind: 'bye', reason: `name ${owner.name} is taken on another relay` }, owner.endpoint);
    removeContact(ctx, owner, 'bye');
    addRemote(ctx, relay, name, key);
    return 'joined';
  }
  if (owner.remote.relay === relay) {
    owner.remote.moving = false;
    owner.remote.movingSince = 0;
    if (key !== undefined) owner.identity = key;
    if (owner.name !== name) renameRemote(ctx, owner, name, key);
    return 'known';
  }
  if (!owner.remote.moving && replaces !== owner.remote.relay && owner.remote.relay < relay) return 'refused';
  owner.remote = { relay, moving: false, movingSince: 0 };
  owner.identity = key;
  if (owner.name !== name) renameRemote(ctx, owner, name, key);
  ctx.log.info({ contact: name, relay }, 'contact relocated to another relay');
  return 'relocated';
}

/** Adds `name` as a user of `relay` and pushes its join. */
function addRemote(ctx: RouterContext, relay: string, name: string, key: Uint8Array | undefined): Contact {
  const contact = ctx.contacts.addRemote(name, relay, key, ctx.now());
  rosterChanged(ctx, [{ name: contact.name, state: 'client' }], { kind: 'join', name: contact.name, type: 'client' });
  ctx.log.debug({ contact: name, relay }, 'remote contact joined');
  return contact;
}

/**
 * Removes the remote contact `contact`: with a leave pushed (`reason`), or
 * silently (`reason` undefined: it is registered here now).
 */
export function removeRemote(ctx: RouterContext, contact: Contact, reason: LeaveReason | undefined): void {
  if (contact.remote === undefined || !ctx.contacts.remove(contact)) return;
  ctx.relayAcks.forget(contact);
  if (reason === undefined) return;
  rosterChanged(ctx, [{ name: contact.name, state: reason === 'timeout' ? 'left-timeout' : 'left-bye' }], { kind: 'leave', name: contact.name, reason });
  ctx.log.debug({ contact: contact.name, relay: contact.remote.relay, reason }, 'remote contact left');
}

/** `relay` says its user `name` left: removed (pushed as leave) when it is that relay's. */
export function remoteLeft(ctx: RouterContext, relay: string, name: string, reason: LeaveReason): boolean {
  const owner = ctx.contacts.named(name);
  if (owner?.remote?.relay !== relay) return false; // not known, local, or relocated elsewhere since
  removeRemote(ctx, owner, reason);
  return true;
}

/** `relay` says its user `from` is now `name`: renamed (pushed as rename) when it is that relay's and the name is free. */
export function remoteRenamed(ctx: RouterContext, self: string, relay: string, from: string, name: string, key: Uint8Array | undefined): void {
  const owner = ctx.contacts.named(from);
  const taken = ctx.contacts.named(name);
  if (owner?.remote?.relay !== relay || (taken !== undefined && taken !== owner)) {
    // Not the one we know (or its new name is held here): take it as a leave and a join.
    if (owner?.remote?.relay === relay) removeRemote(ctx, owner, 'bye');
    remoteArrived(ctx, self, relay, name, key);
    return;
  }
  renameRemote(ctx, owner, name, key);
}

function renameRemote(ctx: RouterContext, owner: Contact, name: string, key: Uint8Array | undefined): void {
  const renamed = ctx.contacts.rename(owner, name);
  if (key !== undefined && !sameKey(renamed.identity, key)) renamed.identity = key;
  rosterChanged(ctx, [{ name: owner.name, state: 'left-bye' }, { name, state: 'client' }], { kind: 'rename', from: owner.name, name });
}

/** Marks every user of `relay` as moving since `now` (its relay is down, restarted or stopping). @returns how many. */
export function markMoving(ctx: RouterContext, relay: string, now: number): number {
  let n = 0;
  for (const c of ctx.contacts.remotes(relay)) {
    if (c.remote === undefined || c.remote.moving) continue;
    c.remote.moving = true;
    c.remote.movingSince = now;
    n++;
  }
  return n;
}

/** Pushes as leave (timeout) every user moving for longer than `graceMs` at `now`. @returns them, for the log. */
export function expireMoving(ctx: RouterContext, now: number, graceMs: number): Contact[] {
  const gone = ctx.contacts.remotes().filter((c) => c.remote !== undefined && c.remote.moving && now - c.remote.movingSince > graceMs);
  for (const c of gone) removeRemote(ctx, c, 'timeout');
  return gone;
}

/**
 * `relay`'s snapshot: its users now. Those not known join, those known stay
 * (no longer moving), those of `relay` missing from it left — except the
 * moving ones, which keep their grace (they may register elsewhere).
 */
export function applySnapshot(ctx: RouterContext, self: string, relay: string, users: ReadonlyArray<{ name: string; key: Uint8Array | undefined }>): void {
  const present = new Set<string>();
  for (const u of users) {
    remoteArrived(ctx, self, relay, u.name, u.key);
    const c = ctx.contacts.named(u.name);
    if (c !== undefined) present.add(c.key);
  }
  for (const c of ctx.contacts.remotes(relay)) {
    if (!present.has(c.key) && c.remote !== undefined && !c.remote.moving) removeRemote(ctx, c, 'bye');
  }
}
