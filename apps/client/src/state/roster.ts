/**
 * Who is online, as the relay told us: kept by name key (case-insensitive),
 * listed in name order.
 */
import { nameKey, type ContactEntry } from '@udpchat/protocol';
import { compareNames } from '../text/nameOrder.js';

/**
 * Where the client core keeps who is online (RosterSync writes it). The
 * shipped client uses `Roster`; a benchmark crowd of thousands of cores may
 * give most of them a store that keeps nothing (the version and the repair
 * are RosterSync's own, so what such a core sends is the same).
 */
export interface RosterStore {
  /** Replaces everything with a full contact list. */
  reset(contacts: readonly ContactEntry[]): void;
  /** Adds or updates a contact. */
  join(contact: ContactEntry): void;
  /** Removes a contact; true when it was there. */
  leave(name: string): boolean;
  /** The online contact with this name (any case), if any. */
  get(name: string): ContactEntry | undefined;
  /** Online contacts sorted by name. */
  list(): ContactEntry[];
  /** Number online. */
  readonly size: number;
}

export class Roster implements RosterStore {
  private readonly byKey = new Map<string, ContactEntry>();

  /** Replaces everything with a full contact list. */
  reset(contacts: readonly ContactEntry[]): void {
    this.byKey.clear();
    for (const c of contacts) this.byKey.set(nameKey(c.name), c);
  }

  /** Adds or updates a contact. */
  join(contact: ContactEntry): void {
    this.byKey.set(nameKey(contact.name), contact);
  }

  /** Removes a contact; true when it was there. */
  leave(name: string): boolean {
    return this.byKey.delete(nameKey(name));
  }

  /** The online contact with this name (any case), if any. */
  get(name: string): ContactEntry | undefined {
    return this.byKey.get(nameKey(name));
  }

  /** Online contacts sorted by name. */
  list(): ContactEntry[] {
    return [...this.byKey.values()].sort((a, b) => compareNames(a.name, b.name));
  }

  /** Number online. */
  get size(): number {
    return this.byKey.size;
  }
}
