/**
 * The contact list, sans I/O, kept at a roster version (PROTOCOL.md §6.5):
 * assembles `contacts` pages (the whole list at one version) into the
 * roster, applies numbered changes (pushed `join`, `leave`, `rename`, and
 * `roster-delta` datagrams) and notices a gap — a change it never got —
 * so that the core asks for the changes since (`list` with its version) at
 * once. It also remembers who was online when the relay went away, so that
 * after re-registering group messages still wait for them and those who
 * never come back are reported as left.
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
import { Roster } from '../../state/roster.js';

/** What a change did to the roster, for the core to act on and report. */
export type RosterEvent =
  | { type: 'join'; contact: ContactEntry; back: boolean }
  | { type: 'leave'; name: string; reason: LeaveReason }
  | { type: 'rename'; from: string; to: string };

/** What one numbered push or delta did. */
export interface ChangeResult {
  /** What changed, in order (nothing when it was old news). */
  readonly events: RosterEvent[];
  /** A change before it is missing (or its epoch is not ours): ask for the changes since `version`. */
  readonly gap: boolean;
}

const NO_CHANGE: ChangeResult = { events: [], gap: false };
/** A change of another epoch (a restarted relay, or no list yet): nothing applied, the list is asked for. */
const OTHER_EPOCH: ChangeResult = { events: [], gap: true };

export class RosterSync {
  readonly roster = new Roster();
  /** The roster version the list is at; epoch 0: no list of this relay yet. */
  private at: RosterVersion = { epoch: 0, version: 0 };
  private readonly pages = new Map<number, ContactEntry[]>();
  /** The version of the pages being assembled. */
  private pagesAt: RosterVersion = { epoch: 0, version: 0 };
  /** Name keys -> names of the clients online when the relay went away, not back yet. */
  private readonly awaitedBack = new Map<string, string>();

  /** The roster version the list is at (what `list` says). */
  get version(): RosterVersion {
    return { ...this.at };
  }

  /** Takes one `contacts` page; returns the whole list once every page of one version is in, else null. */
  page(message: ContactsMessage): ContactEntry[] | null {
    // A page of another version starts a new listing (pages of one version are the same list, in any order).
    const same = message.epoch === this.pagesAt.epoch && message.version === this.pagesAt.version;
    if (!same) {
      this.pages.clear();
      this.pagesAt = { epoch: message.epoch, version: message.version };
    }
    this.pages.set(message.page, message.contacts);
    if (this.pages.size < message.pages) return null;
    const all = [...this.pages.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
    this.pages.clear();
    this.roster.reset(all);
    this.at = { ...this.pagesAt };
    for (const c of all) this.awaitedBack.delete(nameKey(c.name));
    return all;
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
    if (!gap) this.at.version = message.version;
    const selfKey = nameKey(self);
    const events: RosterEvent[] = [];
    if (message.kind === 'join') {
      if (nameKey(message.name) !== selfKey) this.online({ name: message.name, type: message.type }, events);
    } else if (message.kind === 'leave') {
      if (nameKey(message.name) !== selfKey) this.offline(message.name, message.reason, events);
    } else if (nameKey(message.name) !== selfKey && nameKey(message.from) !== selfKey) {
      this.renamed(message.from, message.name, events);
    }
    return { events, gap };
  }

  /**
   * A `roster-delta`: the changes after `from` up to `version`. Applied when
   * it starts at or before the list's version (what the list already has is
   * set again, which changes nothing), and also after a gap (then `gap`).
   * An "up to date" answer (no changes) at the list's version does nothing.
   */
  delta(message: RosterDeltaMessage, self: string): ChangeResult {
    if (message.epoch !== this.at.epoch) return OTHER_EPOCH;
    if (message.version <= this.at.version) return NO_CHANGE;
    const gap = message.from > this.at.version;
    if (!gap) this.at.version = message.version;
    return { events: this.apply(message.changes, nameKey(self)), gap };
  }

  /** Whether a heartbeat-ack's roster version (the relay's last push) says the list missed a change. */
  behind(heard: RosterVersion): boolean {
    return heard.epoch !== this.at.epoch || heard.version > this.at.version;
  }

  /** Sets each changed name to its last state in `changes` (in order), skipping `selfKey`. */
  private apply(changes: readonly RosterChange[], selfKey: string): RosterEvent[] {
    const last = new Map<string, RosterChange>();
    for (const c of changes) {
      const key = nameKey(c.name);
      if (key === selfKey) continue;
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

  /** Registration was lost: who is online now is awaited back, and the list's version is of the old session. */
  lost(): void {
    for (const c of this.roster.list()) if (c.type === 'client') this.awaitedBack.set(nameKey(c.name), c.name);
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

  /** Whether anyone is awaited back. */
  get awaiting(): boolean {
    return this.awaitedBack.size > 0;
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

  /** Stops waiting: returns the names of those awaited who are not back (they have left). */
  giveUpAwaited(): string[] {
    const missing = [...this.awaitedBack].filter(([key]) => !this.roster.get(key)).map(([, name]) => name);
    this.awaitedBack.clear();
    return missing;
  }
}
