/**
 * Contact-list pages as UDP delivers them (PROTOCOL.md §4.3 "Order and
 * loss"): in any order, twice, or not at all. The list is taken only once
 * every page of one listing is in; a page 0 starts a new listing, so a
 * listing with a lost page is replaced by the next one.
 */
import type { ContactEntry } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { RosterSync } from '../src/net/core/rosterSync.js';

const entries = (...names: string[]): ContactEntry[] => names.map((name) => ({ name, type: 'client' }));

describe('RosterSync pages', () => {
  it('takes the list once every page is in, whatever their order, entries in page order', () => {
    const sync = new RosterSync();
    expect(sync.page(2, 3, entries('e'))).toBeNull();
    expect(sync.page(1, 3, entries('c', 'd'))).toBeNull();
    expect(sync.page(0, 3, entries('a', 'b'))).toBeNull(); // page 0 starts a new listing: 2 and 1 were of an older one
    expect(sync.page(2, 3, entries('e'))).toBeNull();
    expect(sync.page(1, 3, entries('c', 'd'))?.contacts.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a listing with a lost page gives no list; the next listing (its page 0 first) repairs it', () => {
    const sync = new RosterSync();
    expect(sync.page(0, 3, entries('a', 'b'))).toBeNull();
    expect(sync.page(2, 3, entries('old'))).toBeNull(); // page 1 of this listing is lost
    // 30 s later, the next list's answer (someone left meanwhile: 2 pages now).
    expect(sync.page(0, 2, entries('a', 'b'))).toBeNull();
    expect(sync.page(1, 2, entries('c'))?.contacts.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(sync.roster.size).toBe(3);
  });

  it('a duplicated page does not complete a listing', () => {
    const sync = new RosterSync();
    expect(sync.page(0, 2, entries('a'))).toBeNull();
    expect(sync.page(0, 2, entries('a'))).toBeNull();
    expect(sync.page(1, 2, entries('b'))?.contacts.map((c) => c.name)).toEqual(['a', 'b']);
  });
});
