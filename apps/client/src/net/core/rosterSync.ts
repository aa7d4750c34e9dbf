/**
 * The contact list, sans I/O: assembles `contacts` pages into the roster,
 * applies pushed joins, leaves and renames, and remembers who was online
 * when the relay went away, so that after re-registering group messages
 * still wait for them and those who never come back are reported as left.
 */
import { nameKey, type ContactEntry } from '@udpchat/protocol';
import { Roster } from '../../state/roster.js';

export class RosterSync {
  readonly roster = new Roster();
  private readonly pages = new Map<number, ContactEntry[]>();
  /** Name keys -> names of the clients online when the relay went away, not back yet. */
  private readonly awaitedBack = new Map<string, string>();

  /** Takes page `page` of `pages`; returns the whole list once every page is in, else null. */
  page(page: number, pages: number, contacts: ContactEntry[]): ContactEntry[] | null {
    if (page === 0) this.pages.clear();
    this.pages.set(page, contacts);
    if (this.pages.size < pages) return null;
    const all = [...this.pages.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
    this.pages.clear();
    this.roster.reset(all);
    for (const c of all) this.awaitedBack.delete(nameKey(c.name));
    return all;
  }

  /** A contact came online. */
  join(contact: ContactEntry): void {
    this.roster.join(contact);
    this.awaitedBack.delete(nameKey(contact.name));
  }

  /** A contact went offline. */
  leave(name: string): void {
    this.roster.leave(name);
  }

  /** A contact renamed itself. */
  rename(from: string, to: string): void {
    const contact = this.roster.get(from);
    this.roster.leave(from);
    this.roster.join({ name: to, type: contact?.type ?? 'client' });
  }

  /** Registration was lost: who is online now is awaited back. */
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
