/**
 * The contact list's repair by full lists (RosterSync): a lost leave is
 * found, a list older than a join or a leave does not undo it, and those
 * awaited back after a relay restart are left to the rejoin grace and the
 * list that follows it.
 */
import { describe, expect, it } from 'vitest';
import type { ContactEntry } from '@udpchat/protocol';
import { RosterSync } from '../src/net/core/rosterSync.js';

const client = (name: string): ContactEntry => ({ name, type: 'client' });
const names = (sync: RosterSync) => sync.roster.list().map((c) => c.name);

describe('RosterSync', () => {
  it('a contact missing from two full lists in a row has left (its leave was lost): reported as left', () => {
    const sync = new RosterSync();
    sync.page(0, 1, [client('bob'), client('carol')]);
    // Missing once: kept, and the list is asked for again (this one may be an old answer overtaken by a newer).
    expect(sync.page(0, 1, [client('carol')])).toEqual({ contacts: [client('bob'), client('carol')], left: [], askAgain: true });
    expect(sync.page(0, 1, [client('carol')])).toEqual({ contacts: [client('carol')], left: ['bob'], askAgain: false });
    expect(names(sync)).toEqual(['carol']);
  });

  it('an old list answered after a newer one does not make a contact leave (apps/sim seed 1131)', () => {
    const sync = new RosterSync();
    sync.page(0, 1, [client('carol')]);
    expect(sync.page(0, 1, [])).toEqual({ contacts: [client('carol')], left: [], askAgain: true }); // the old answer
    expect(sync.page(0, 1, [client('carol')])).toEqual({ contacts: [client('carol')], left: [], askAgain: false });
    expect(sync.page(0, 1, [])?.left).toEqual([]); // missing once again: not yet
  });

  it('a join or leave seen since the last full list wins over a list older than it (apps/sim seed 371)', () => {
    const sync = new RosterSync();
    sync.page(0, 1, [client('carol')]);
    sync.join(client('alice')); // came after the list answered below was made
    sync.leave('carol');
    expect(sync.page(0, 1, [client('carol')])).toEqual({ contacts: [client('alice')], left: [], askAgain: false });
    // The next lists are the truth again.
    expect(sync.page(0, 1, [client('dave')])?.left).toEqual([]);
    expect(sync.page(0, 1, [client('dave')])).toEqual({ contacts: [client('dave')], left: ['alice'], askAgain: false });
  });

  it('after a lost registration, those not back are awaited (the grace decides), not reported as left', () => {
    const sync = new RosterSync();
    sync.page(0, 1, [client('bob'), client('carol')]);
    sync.join(client('dave')); // from the old relay
    sync.lost();
    expect(sync.page(0, 2, [client('carol')])).toBeNull();
    expect(sync.page(1, 2, [])).toEqual({ contacts: [client('carol')], left: [], askAgain: false });
    expect(sync.groupExpected(true).sort()).toEqual(['bob', 'carol', 'dave']);
    // The grace ends: the next full list decides. bob's join was lost, but he is in it: not gone.
    sync.graceOver();
    expect(sync.awaiting).toBe(false);
    expect(sync.page(0, 1, [client('bob'), client('carol')])).toEqual({ contacts: [client('bob'), client('carol')], left: ['dave'], askAgain: false });
    expect(sync.groupExpected(true).sort()).toEqual(['bob', 'carol']);
  });
});
