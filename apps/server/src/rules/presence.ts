/**
 * Presence by version and delta (PROTOCOL.md §6.7): every change of the
 * contact list is numbered (state/rosterLog.ts) and pushed to the clients;
 * `list` carries the version a client has and is answered with the changes
 * since (`roster-delta`), or with the whole list (`contacts` pages) when the
 * relay no longer has them, the epoch differs, or they would be longer.
 *
 * Push pacing: a change is pushed at once, alone (`join`, `leave`,
 * `rename`), when the previous push is done; the next push may go out only
 * after `recipients × datagrams / PUSH_RATE` seconds (at most
 * MAX_PUSH_GAP_MS). Changes that come sooner wait and go out together as
 * `roster-delta` datagrams (one change waiting: its single push). So a burst
 * of 1,000 joins at 10,000 contacts costs each client a few datagrams, not
 * 1,000; with three contacts pushes are never delayed noticeably.
 */
import { encodingLength, type Message, type RosterChange, type RosterDeltaMessage } from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import type { LoggedChange, SinglePush } from '../state/rosterLog.js';
import type { RouterContext } from './context.js';
import { contactPages } from './replies.js';

/** Push datagrams per second the pacing aims at (the gap after a push is its datagrams / this). */
export const PUSH_RATE = 5000;
/** Longest wait between two pushes, in ms: how late a change can be told at the worst. */
export const MAX_PUSH_GAP_MS = 2000;

/** Records a change of the contact list and pushes it when the pacing allows (else it waits for `flushPushes`). */
export function rosterChanged(ctx: RouterContext, changes: readonly RosterChange[], push: SinglePush): void {
  ctx.roster.record(changes, push);
  flushPushes(ctx);
}

/**
 * Pushes the changes not pushed yet, if the pacing allows now: one waiting
 * change as its `join` / `leave` / `rename`, several as `roster-delta`
 * datagrams. Called after every change, every received datagram and every
 * sweep. The subject of a change gets it too when it is pushed late (its
 * client ignores news of itself).
 */
export function flushPushes(ctx: RouterContext): void {
  const log = ctx.roster;
  if (log.published === log.version) return;
  const now = ctx.now();
  if (now < log.nextPushAt) return;
  // null: more changes waited than the log keeps; nothing is pushed, and clients see the newer version in their heartbeat-acks.
  const pending = log.since(log.published) ?? [];
  const clients = ctx.contacts.clients();
  let datagrams = 0;
  if (pending.length === 1) {
    const entry = pending[0] as LoggedChange;
    const push = { ...entry.push, epoch: log.epoch, version: entry.version } as Message;
    const to = entry.push.kind === 'leave' ? clients : clients.filter((c) => !isSubject(c, entry));
    ctx.out.sendToAll(push, to);
    datagrams = to.length;
  } else {
    const chain = deltaChain(log.epoch, pending, ctx.out.maxMessageBytes);
    for (const delta of chain) ctx.out.sendToAll(delta, clients);
    datagrams = chain.length * clients.length;
  }
  log.published = log.version;
  log.nextPushAt = now + Math.min(MAX_PUSH_GAP_MS, (datagrams * 1000) / PUSH_RATE);
}

/** Whether `contact` is the one `entry` is about (by its name now: a join's or a rename's new name). */
function isSubject(contact: Contact, entry: LoggedChange): boolean {
  return contact.name === entry.push.name;
}

/**
 * The answer to `list` from `contact` at roster version (`epoch`,
 * `version`): the changes since as `roster-delta` datagrams (none at all:
 * one "up to date" datagram, `from` = `version`), or the whole list as
 * `contacts` pages when the epoch differs, the version is not one the log
 * still has, or the changes are more than the contacts (the list is then
 * shorter).
 */
export function answerList(ctx: RouterContext, contact: Contact, epoch: number, version: number): void {
  const log = ctx.roster;
  const changes = epoch === log.epoch ? log.since(version) : null;
  const others = ctx.contacts.size - 1;
  if (changes !== null && changeCount(changes) <= Math.max(others, 1)) {
    const chain = changes.length === 0 ? [upToDate(log.epoch, version)] : deltaChain(log.epoch, changes, ctx.out.maxMessageBytes);
    for (const delta of chain) ctx.out.send(delta, contact.endpoint);
    return;
  }
  sendContactList(ctx, contact);
}

/**
 * Sends the whole contact list (everyone but `contact`, plain peers included
 * with type `plain`) at the current roster version, in pages of at most
 * `ctx.out.maxMessageBytes` (1152 in shared-secret mode: room for the auth
 * trailer), PROTOCOL.md §4.3.
 */
export function sendContactList(ctx: RouterContext, contact: Contact): void {
  const others = ctx.contacts.othersThan(contact).map((c) => ({ name: c.name, type: c.type }));
  const { epoch, version } = ctx.roster;
  for (const page of contactPages(others, ctx.out.maxMessageBytes, { epoch, version })) ctx.out.send(page, contact.endpoint);
}

/** Entries the changes take in `roster-delta` datagrams. */
function changeCount(changes: readonly LoggedChange[]): number {
  let n = 0;
  for (const c of changes) n += c.changes.length;
  return n;
}

/** "Your list is up to date": no changes after `version`. */
function upToDate(epoch: number, version: number): RosterDeltaMessage {
  return { kind: 'roster-delta', epoch, from: version, version, changes: [] };
}

/** Bytes one change adds to a `roster-delta`: name length byte + name + state byte. */
function entryBytes(change: RosterChange): number {
  return 2 + Buffer.byteLength(change.name, 'utf8');
}

/**
 * `changes` (consecutive versions, oldest first) as `roster-delta`
 * datagrams of at most `maxBytes` each, every one covering whole versions
 * (`from` exclusive, `version` inclusive) so that each can be applied alone,
 * in order.
 */
export function deltaChain(epoch: number, changes: readonly LoggedChange[], maxBytes: number): RosterDeltaMessage[] {
  const out: RosterDeltaMessage[] = [];
  const emptyBytes = encodingLength(upToDate(epoch, 0));
  let current: RosterDeltaMessage | null = null;
  let used = emptyBytes;
  for (const entry of changes) {
    let size = 0;
    for (const c of entry.changes) size += entryBytes(c);
    if (current === null || used + size > maxBytes) {
      current = { kind: 'roster-delta', epoch, from: entry.version - 1, version: entry.version, changes: [] };
      out.push(current);
      used = emptyBytes;
    }
    current.changes.push(...entry.changes);
    current.version = entry.version;
    used += size;
  }
  return out;
}
