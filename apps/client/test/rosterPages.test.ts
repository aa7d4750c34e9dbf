/**
 * Contact-list pages as UDP delivers them (PROTOCOL.md §4.3 "Order and
 * loss"): in any order, twice, or not at all. The list is taken only once
 * every page of one listing (one roster version) is in; a page of another
 * version starts a new listing, so a listing with a lost page is replaced by
 * the next one, and a page older than the list is ignored.
 */
import type { ContactEntry, ContactsMessage } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { RosterSync } from '../src/net/core/rosterSync.js';

const E = 0x1a2b3c4d;
const entries = (...names: string[]): ContactEntry[] => names.map((name) => ({ name, type: 'client' }));
const page = (version: number, p: number, pages: number, contacts: ContactEntry[]): ContactsMessage => ({ kind: 'contacts', epoch: E, version, page: p, pages, contacts });

describe('RosterSync pages', () => {
  it('takes the list once every page of one version is in, whatever their order, entries in page order', () => {
    const sync = new RosterSync();
    expect(sync.page(page(3, 2, 3, entries('e')))).toBeNull();
    expect(sync.page(page(3, 1, 3, entries('c', 'd')))).toBeNull();
    expect(sync.page(page(3, 2, 3, entries('e')))).toBeNull(); // a duplicate
    expect(sync.page(page(3, 0, 3, entries('a', 'b')))?.contacts.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a listing with a lost page gives no list; the next listing (another version) repairs it', () => {
    const sync = new RosterSync();
    expect(sync.page(page(3, 0, 3, entries('a', 'b')))).toBeNull();
    expect(sync.page(page(3, 2, 3, entries('old')))).toBeNull(); // page 1 of this listing is lost
    // the next list's answer (someone left meanwhile: 2 pages now, a newer version)
    expect(sync.page(page(5, 1, 2, entries('c')))).toBeNull();
    expect(sync.page(page(5, 0, 2, entries('a', 'b')))?.contacts.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(sync.roster.size).toBe(3);
  });

  it('a duplicated page does not complete a listing, and a page older than the list is ignored', () => {
    const sync = new RosterSync();
    expect(sync.page(page(4, 0, 2, entries('a')))).toBeNull();
    expect(sync.page(page(4, 0, 2, entries('a')))).toBeNull();
    expect(sync.page(page(4, 1, 2, entries('b')))?.contacts.map((c) => c.name)).toEqual(['a', 'b']);
    expect(sync.page(page(3, 0, 1, entries('z')))).toBeNull();
    expect(sync.roster.list().map((c) => c.name)).toEqual(['a', 'b']);
  });
});
