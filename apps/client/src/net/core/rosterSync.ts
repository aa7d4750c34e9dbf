/**
 * The contact list, sans I/O: assembles `contacts` pages into the roster,
 * applies pushed joins, leaves and renames, and remembers who was online
 * when the relay went away, so that after re-registering group messages
 * still wait for them and those who never come back are reported as left.
 *
 * A full list repairs lost joins and leaves both ways: a contact missing from
 * two full lists in a row has left (its leave was lost; one list may be an
 * old answer overtaken by a newer one, so the first absence only asks for
 * the list again: found by apps/sim, seed 1131), unless it is awaited back after a relay
 * restart: when the rejoin grace ends, the next full list decides who of
 * those is gone (a join lost meanwhile must not count as a leave; found by
 * apps/sim, seed 417). A join or leave that came since the
 * last full list wins over the list, which may be older than it (the `list`
 * answered was sent before it; found by apps/sim, seed 371: a stale list
 * dropped a contact that had just joined, so group messages stopped waiting
 * for it).
 */
import { nameKey, type ContactEntry } from '@udpchat/protocol';
import { Roster } from '../../state/roster.js';

export class RosterSync {
  readonly roster = new Roster();
  private readonly pages = new Map<number, ContactEntry[]>();
  /** Name keys -> names of the clients online when the relay went away, not back yet. */
  private readonly awaitedBack = new Map<string, string>();
  /** Since the last full list (of this relay): who joined (name key -> entry) and who left (name keys). */
  private readonly joinedSince = new Map<string, ContactEntry>();
  private readonly leftSince = new Set<string>();
  /** The rejoin grace is over: the next full list says who of those awaited back is gone. */
  private confirming = false;
  /** Name keys of contacts missing from the last full list (kept until the next one says so too). */
  private readonly missingOnce = new Set<string>();

  /**
   * Takes page `page` of `pages`. Once every page is in: the roster is the
   * list, corrected by the joins and leaves seen since the last one, and
   * keeping a contact it misses for the first time (the next list decides).
   * @returns null while pages are missing; then `contacts`, the roster now,
   *   `left`, the names it had that are gone (not awaited back): report them as
   *   left, and `askAgain`: some are missing for the first time, ask for the list again.
   */
  page(page: number, pages: number, contacts: ContactEntry[]): { contacts: ContactEntry[]; left: string[]; askAgain: boolean } | null {
    if (page === 0) this.pages.clear();
    this.pages.set(page, contacts);
    if (this.pages.size < pages) return null;
    const listed = new Map<string, ContactEntry>();
    for (const [, entries] of [...this.pages.entries()].sort((a, b) => a[0] - b[0])) for (const c of entries) listed.set(nameKey(c.name), c);
    this.pages.clear();
    for (const key of this.leftSince) listed.delete(key);
    for (const [key, c] of this.joinedSince) listed.set(key, c);
    this.forgetEvents();
    const left: string[] = [];
    const firstMissing: string[] = [];
    for (const c of this.roster.list()) {
      const key = nameKey(c.name);
      if (listed.has(key) || this.awaitedBack.has(key)) continue;
      if (this.missingOnce.has(key)) left.push(c.name);
      else {
        firstMissing.push(key);
        listed.set(key, c); // kept until the next list
      }
    }
    this.missingOnce.clear();
    for (const key of firstMissing) this.missingOnce.add(key);
    this.roster.reset([...listed.values()]);
    for (const key of listed.keys()) this.awaitedBack.delete(key);
    if (this.confirming) {
      left.push(...this.awaitedBack.values());
      this.awaitedBack.clear();
      this.confirming = false;
    }
    return { contacts: this.roster.list(), left, askAgain: firstMissing.length > 0 };
  }

  /** A contact came online. */
  join(contact: ContactEntry): void {
    const key = nameKey(contact.name);
    this.roster.join(contact);
    this.awaitedBack.delete(key);
    this.joinedSince.set(key, contact);
    this.leftSince.delete(key);
    this.missingOnce.delete(key);
  }

  /** A contact went offline. */
  leave(name: string): void {
    const key = nameKey(name);
    if (!this.roster.leave(name) && !this.joinedSince.has(key)) return;
    this.joinedSince.delete(key);
    this.leftSince.add(key);
    this.missingOnce.delete(key);
  }

  /** A contact renamed itself. */
  rename(from: string, to: string): void {
    const contact = this.roster.get(from);
    this.leave(from);
    this.join({ name: to, type: contact?.type ?? 'client' });
  }

  /** Registration was lost: who is online now is awaited back (the next relay's list is the truth). */
  lost(): void {
    for (const c of this.roster.list()) if (c.type === 'client') this.awaitedBack.set(nameKey(c.name), c.name);
    this.forgetEvents();
    this.confirming = false;
    this.missingOnce.clear();
  }

  private forgetEvents(): void {
    this.joinedSince.clear();
    this.leftSince.clear();
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
   * The rejoin grace is over: those awaited back and missing from the next
   * full list are reported as left by that `page` (ask for it now).
   */
  graceOver(): void {
    this.confirming = this.awaitedBack.size > 0;
  }
}
