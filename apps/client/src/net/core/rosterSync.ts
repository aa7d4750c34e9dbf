/**
 * The contact list, sans I/O, kept at a roster version (PROTOCOL.md §6.7):
 * assembles `contacts` pages (the whole list at one version) into the
 * roster, applies numbered changes (pushed `join`, `leave`, `rename`, and
 * `roster-delta` datagrams) and notices a gap — a change it never got —
 * so that the core asks for the changes since (`list` with its version) at
 * once. It also remembers who was online when the relay went away, so that
 * after re-registering group messages still wait for them and those who
 * never come back are reported as left.
 *
 * The versions make the repair exact, where full lists alone needed
 * heuristics (apps/sim seeds 371, 1131, 417):
 * - a full list at a version is authoritative: a contact missing from it
 *   has left (its leave was lost) and is reported so at once;
 * - a list or change older than what the client has is ignored (an old
 *   answer that arrived after a newer change: seeds 371, 1131), and a
 *   change applied past a gap is not undone by a list or delta older than it;
 * - those awaited back after a relay restart are kept through the rejoin
 *   grace; when it ends, the core asks for the changes (`graceOver`) and the
 *   answer that brings the list up to date says who of them is gone (a join
 *   lost meanwhile is in that answer, so it does not count as a leave: seed 417).
 */
import {
  nameKey,
  type ContactEntry,
  type ContactsMessage,
  type JoinMessage,
  type LeaveMessage,
  type LeaveReason,
  type RenameMessage,
  type RosterChange,
  type RosterDeltaMessage,
  type RosterVersion,
} from '@udpchat/protocol';
import { Roster, type RosterStore } from '../../state/roster.js';

/** What a change did to the roster, for the core to act on and report. */
export type RosterEvent =
  | { type: 'join'; contact: ContactEntry; back: boolean }
  | { type: 'leave'; name: string; reason: LeaveReason }
  | { type: 'rename'; from: string; to: string };

/** What one numbered push, delta or whole list did. */
export interface ChangeResult {
  /** What changed, in order (nothing when it was old news). */
  readonly events: RosterEvent[];
  /** A change before it is missing (or its epoch is not ours): ask for the changes since `version`. */
  readonly gap: boolean;
}

/** A whole list taken: the roster now, and what it changed (leaves of those missing from it). */
export interface ListResult extends ChangeResult {
  /** The roster now (those awaited back not included). */
  readonly contacts: ContactEntry[];
}

const NO_CHANGE: ChangeResult = { events: [], gap: false };
/** A change of another epoch (a restarted relay, or no list yet): nothing applied, the list is asked for. */
const OTHER_EPOCH: ChangeResult = { events: [], gap: true };

export class RosterSync {
  /** The roster version the list is at; epoch 0: no list of this relay yet. */
  private at: RosterVersion = { epoch: 0, version: 0 };
  private readonly pages = new Map<number, ContactEntry[]>();
  /** The version of the pages being assembled. */
  private pagesAt: RosterVersion = { epoch: 0, version: 0 };
  /** Name keys -> names of the clients online when the relay went away, not back yet. */
  private readonly awaitedBack = new Map<string, string>();
  /** Name keys changed past a gap -> the version of that change (above `at`): older news must not undo it. */
  private readonly ahead = new Map<string, number>();
  /** The rejoin grace is over: the answer that brings the list up to date says who of those awaited back is gone. */
  private confirming = false;

  /** @param roster where the contacts are kept (default: a `Roster`, what the shipped client uses). */
  constructor(readonly roster: RosterStore = new Roster()) {}

  /** The roster version the list is at (what `list` says). */
  get version(): RosterVersion {
    return { ...this.at };
  }

  /** Whether a `contacts` page is older than the list (same epoch, lower version): an old answer, ignored. */
  isStale(message: ContactsMessage): boolean {
    return message.epoch === this.at.epoch && message.version < this.at.version;
  }

  /**
   * Takes one `contacts` page; once every page of one version is in, the
   * roster is that list (changes applied past a gap that are newer than it
   * kept): those it had that are missing from it have left (`leave` events,
   * reason timeout: their leave was lost), those awaited back stay awaited
   * (until the grace is over). A page older than the list is ignored.
   * @returns null while pages are missing (or the page is stale).
   */
  page(message: ContactsMessage): ListResult | null {
    if (this.isStale(message)) return null;
    // A page of another version starts a new listing (pages of one version are the same list, in any order).
    const same = message.epoch === this.pagesAt.epoch && message.version === this.pagesAt.version;
    if (!same) {
      this.pages.clear();
      this.pagesAt = { epoch: message.epoch, version: message.version };
    }
    this.pages.set(message.page, message.contacts);
    if (this.pages.size < message.pages) return null;
    const listed = new Map<string, ContactEntry>();
    for (const [, entries] of [...this.pages.entries()].sort((a, b) => a[0] - b[0])) for (const c of entries) listed.set(nameKey(c.name), c);
    this.pages.clear();
    const list = { ...this.pagesAt };
    if (list.epoch !== this.at.epoch) this.ahead.clear();
    for (const [key, version] of this.ahead) {
      if (version <= list.version) {
        this.ahead.delete(key);
        continue;
      }
      const now = this.roster.get(key); // a newer change than the list: keep what it made
      if (now) listed.set(key, now);
      else listed.delete(key);
    }
    const events: RosterEvent[] = [];
    for (const c of this.roster.list()) {
      const key = nameKey(c.name);
      if (!listed.has(key) && !this.awaitedBack.has(key)) events.push({ type: 'leave', name: c.name, reason: 'timeout' });
    }
    this.roster.reset([...listed.values()]);
    this.at = list;
    for (const key of listed.keys()) this.awaitedBack.delete(key);
    const gap = this.ahead.size > 0;
    if (!gap) this.confirm(events);
    return { contacts: this.roster.list(), events, gap };
  }

  /**
   * A pushed `join`, `leave` or `rename` (one change, version `version`);
   * one of another epoch is not applied (`gap`: the list is asked for).
   * Applied when it is the next change, and also after a gap (then `gap`:
   * the changes in between are asked for; applying them again changes
   * nothing). Old news (a version the list already has) and news of
   * `self` are ignored.
   */
  push(message: JoinMessage | LeaveMessage | RenameMessage, self: string): ChangeResult {
    if (message.epoch !== this.at.epoch) return OTHER_EPOCH;
    if (message.version <= this.at.version) return NO_CHANGE;
    const gap = message.version !== this.at.version + 1;
    const selfKey = nameKey(self);
    const events: RosterEvent[] = [];
    const names = message.kind === 'rename' ? [message.from, message.name] : [message.name];
    const keys = names.map((n) => nameKey(n));
    if (!keys.includes(selfKey) && keys.every((k) => !this.newer(k, message.version))) {
      if (message.kind === 'join') this.online({ name: message.name, type: message.type }, events);
      else if (message.kind === 'leave') this.offline(message.name, message.reason, events);
      else this.renamed(message.from, message.name, events);
    }
    this.moved(message.version, gap, keys);
    return { events, gap };
  }

  /**
   * A `roster-delta`: the changes after `from` up to `version`. Applied when
   * it starts at or before the list's version (what the list already has is
   * set again, which changes nothing), and also after a gap (then `gap`).
   * An answer that leaves the list at the relay's version (an "up to date",
   * or the changes since) ends the wait for those awaited back once the
   * grace is over.
   */
  delta(message: RosterDeltaMessage, self: string): ChangeResult {
    if (message.epoch !== this.at.epoch) return OTHER_EPOCH;
    if (message.version < this.at.version || (message.version === this.at.version && message.from > this.at.version)) return NO_CHANGE;
    const gap = message.from > this.at.version;
    const events = message.version === this.at.version ? [] : this.apply(message.changes, nameKey(self), message.version);
    this.moved(message.version, gap, gap ? message.changes.map((c) => nameKey(c.name)) : []);
    if (!gap && this.ahead.size === 0) this.confirm(events);
    return { events, gap };
  }

  /** Whether a heartbeat-ack's roster version (the relay's last push) says the list missed a change. */
  behind(heard: RosterVersion): boolean {
    return heard.epoch !== this.at.epoch || heard.version > this.at.version;
  }

  /** The list moved to `version` (no gap), or took a change past a gap that the names `keys` must keep. */
  private moved(version: number, gap: boolean, keys: readonly string[]): void {
    if (gap) {
      for (const key of keys) this.ahead.set(key, Math.max(version, this.ahead.get(key) ?? 0));
      return;
    }
    this.at.version = version;
    for (const [key, v] of this.ahead) if (v <= version) this.ahead.delete(key);
  }

  /** Whether `key` took a change past a gap that is newer than `version`. */
  private newer(key: string, version: number): boolean {
    return (this.ahead.get(key) ?? 0) > version;
  }

  /** Sets each changed name to its last state in `changes` (in order), skipping `selfKey` and names with newer news. */
  private apply(changes: readonly RosterChange[], selfKey: string, version: number): RosterEvent[] {
    const last = new Map<string, RosterChange>();
    for (const c of changes) {
      const key = nameKey(c.name);
      if (key === selfKey || this.newer(key, version)) continue;
      last.delete(key); // keep the order of the last change of each name
      last.set(key, c);
    }
    const events: RosterEvent[] = [];
    for (const c of last.values()) {
      if (c.state === 'client' || c.state === 'plain') this.online({ name: c.name, type: c.state }, events);
      else this.offline(c.name, c.state === 'left-timeout' ? 'timeout' : 'bye', events);
    }
    return events;
  }

  private online(contact: ContactEntry, events: RosterEvent[]): void {
    const now = this.roster.get(contact.name);
    if (now && now.name === contact.name && now.type === contact.type) return;
    const back = this.awaitedBack.has(nameKey(contact.name));
    this.roster.join(contact);
    this.awaitedBack.delete(nameKey(contact.name));
    events.push({ type: 'join', contact, back });
  }

  private offline(name: string, reason: LeaveReason, events: RosterEvent[]): void {
    if (!this.roster.get(name)) return;
    this.roster.leave(name);
    events.push({ type: 'leave', name, reason });
  }

  private renamed(from: string, to: string, events: RosterEvent[]): void {
    const contact = this.roster.get(from);
    if (!contact) return this.online({ name: to, type: 'client' }, events);
    this.roster.leave(from);
    this.roster.join({ name: to, type: contact.type });
    events.push({ type: 'rename', from, to });
  }

  /** The list is up to date after the grace: those awaited back and not in it have left (pushed to `events`). */
  private confirm(events: RosterEvent[]): void {
    if (!this.confirming) return;
    for (const [key, name] of this.awaitedBack) if (!this.roster.get(key)) events.push({ type: 'leave', name, reason: 'timeout' });
    this.awaitedBack.clear();
    this.confirming = false;
  }

  /** Registration was lost: who is online now is awaited back (the next relay's list, or the changes since, is the truth). */
  lost(): void {
    for (const c of this.roster.list()) if (c.type === 'client') this.awaitedBack.set(nameKey(c.name), c.name);
    this.confirming = false;
  }

  /** Whether `name` is awaited back (online before the relay went away, not back yet). */
  isAwaited(name: string): boolean {
    return this.awaitedBack.has(nameKey(name));
  }

  /** `contacts` plus those awaited back (as clients): who is presumed online during the grace after a relay restart. */
  withAwaited(contacts: ContactEntry[]): ContactEntry[] {
    const extra = [...this.awaitedBack].filter(([key]) => !this.roster.get(key)).map(([, name]): ContactEntry => ({ name, type: 'client' }));
    return extra.length === 0 ? contacts : [...contacts, ...extra].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Whether anyone is awaited back within the rejoin grace (its end is a deadline). */
  get awaiting(): boolean {
    return this.awaitedBack.size > 0 && !this.confirming;
  }

  /**
   * Name keys of the clients a group message written now should reach: those
   * online, plus (with `withAwaited`) those awaited back after a relay restart.
   */
  groupExpected(withAwaited: boolean): string[] {
    const keys = new Set(this.roster.list().filter((c) => c.type === 'client').map((c) => nameKey(c.name)));
    if (withAwaited) for (const key of this.awaitedBack.keys()) keys.add(key);
    return [...keys];
  }

  /**
   * The rejoin grace is over: those awaited back and not in the list once
   * it is up to date are reported as left by the answer to the `list` the
   * core sends now (`page` or `delta`).
   */
  graceOver(): void {
    this.confirming = this.awaitedBack.size > 0;
  }
}
