/**
 * The client's roster at a version (PROTOCOL.md §4.20, §6.7), sans I/O:
 * RosterSync applies numbered changes and notices gaps; ClientCore asks for
 * the changes since its version at once when it sees one. A full list at a
 * version is authoritative (a lost leave is found at once), a list older than
 * the roster is ignored, and those awaited back after a relay restart are
 * left to the rejoin grace and the answer that follows it.
 */
import { describe, expect, it } from 'vitest';
import type { Message, MessageOf, WelcomeMessage } from '@udpchat/protocol';
import { ClientCore } from '../src/net/core/clientCore.js';
import { RosterSync } from '../src/net/core/rosterSync.js';

const E = 0x1a2b3c4d;
const page = (version: number, names: string[], p = 0, pages = 1): MessageOf<'contacts'> => ({
  kind: 'contacts',
  epoch: E,
  version,
  page: p,
  pages,
  contacts: names.map((name) => ({ name, type: 'client' })),
});
const join = (version: number, name: string, epoch = E): MessageOf<'join'> => ({ kind: 'join', epoch, version, name, type: 'client' });
const client = (name: string) => ({ name, type: 'client' as const });
const names = (r: RosterSync) => r.roster.list().map((c) => c.name);
const leave = (version: number, name: string): MessageOf<'leave'> => ({ kind: 'leave', epoch: E, version, name, reason: 'bye' });

describe('RosterSync', () => {
  it('takes the whole list only once every page of one version is in', () => {
    const r = new RosterSync();
    expect(r.page(page(5, ['a'], 0, 2))).toBeNull();
    // a page of another version starts over
    expect(r.page(page(6, ['b'], 1, 2))).toBeNull();
    expect(r.page(page(6, ['a'], 0, 2))?.contacts.map((c) => c.name)).toEqual(['a', 'b']);
    expect(r.version).toEqual({ epoch: E, version: 6 });
  });

  it('applies the next change, ignores old news and news of itself, and notices a gap', () => {
    const r = new RosterSync();
    r.page(page(5, ['alice']));
    expect(r.push(join(6, 'bob'), 'me')).toEqual({ events: [{ type: 'join', contact: { name: 'bob', type: 'client' }, back: false }], gap: false });
    expect(r.version.version).toBe(6);
    expect(r.push(join(6, 'bob'), 'me')).toEqual({ events: [], gap: false }); // a duplicate
    expect(r.push(join(7, 'me'), 'me')).toEqual({ events: [], gap: false }); // itself: skipped, version moves on
    expect(r.version.version).toBe(7);
    // version 8 is lost; 9 arrives: applied, but a gap
    expect(r.push(leave(9, 'alice'), 'me')).toEqual({ events: [{ type: 'leave', name: 'alice', reason: 'bye' }], gap: true });
    expect(r.version.version).toBe(7);
    // the delta from 7 sets states again: only what differs is an event
    const delta: MessageOf<'roster-delta'> = {
      kind: 'roster-delta',
      epoch: E,
      from: 7,
      version: 9,
      changes: [
        { name: 'carol', state: 'client' },
        { name: 'alice', state: 'left-bye' },
      ],
    };
    expect(r.delta(delta, 'me')).toEqual({ events: [{ type: 'join', contact: { name: 'carol', type: 'client' }, back: false }], gap: false });
    expect(r.version.version).toBe(9);
    expect(r.roster.list().map((c) => c.name)).toEqual(['bob', 'carol']);
  });

  it('does not apply a change of another epoch, and says to ask', () => {
    const r = new RosterSync();
    r.page(page(5, ['alice']));
    expect(r.push(join(6, 'bob', E + 1), 'me')).toEqual({ events: [], gap: true });
    expect(r.roster.size).toBe(1);
    expect(r.behind({ epoch: E + 1, version: 0 })).toBe(true);
    expect(r.behind({ epoch: E, version: 5 })).toBe(false);
    expect(r.behind({ epoch: E, version: 4 })).toBe(false); // the relay's last push may lag the list's version
    expect(r.behind({ epoch: E, version: 6 })).toBe(true);
  });

  it('a change that a delta undid meanwhile ends in the last state', () => {
    const r = new RosterSync();
    r.page(page(1, []));
    const delta: MessageOf<'roster-delta'> = {
      kind: 'roster-delta',
      epoch: E,
      from: 1,
      version: 4,
      changes: [
        { name: 'bob', state: 'client' },
        { name: 'bob', state: 'left-timeout' },
        { name: 'carol', state: 'plain' },
      ],
    };
    expect(r.delta(delta, 'me').events).toEqual([{ type: 'join', contact: { name: 'carol', type: 'plain' }, back: false }]);
    expect(r.roster.list()).toEqual([{ name: 'carol', type: 'plain' }]);
  });
  it('a contact missing from a full list at a newer version has left (its leave was lost): reported at once', () => {
    const r = new RosterSync();
    r.page(page(5, ['bob', 'carol']));
    expect(r.page(page(7, ['carol']))).toEqual({ contacts: [client('carol')], events: [{ type: 'leave', name: 'bob', reason: 'timeout' }], gap: false });
    expect(names(r)).toEqual(['carol']);
  });

  it('a list older than the roster is ignored: an old answer after a newer change does not undo it (apps/sim seeds 371, 1131)', () => {
    const r = new RosterSync();
    r.page(page(5, ['carol']));
    r.push(join(6, 'alice'), 'me');
    r.push(leave(7, 'carol'), 'me');
    expect(r.isStale(page(5, ['carol']))).toBe(true);
    expect(r.page(page(5, ['carol']))).toBeNull(); // made before the join and the leave
    expect(names(r)).toEqual(['alice']);
    // a list at the roster's version is taken (the same list)
    expect(r.page(page(7, ['alice']))).toEqual({ contacts: [client('alice')], events: [], gap: false });
  });

  it('a change taken past a gap is not undone by an older list or delta', () => {
    const r = new RosterSync();
    r.page(page(5, ['carol']));
    expect(r.push(join(8, 'dave'), 'me').gap).toBe(true); // 6 and 7 are missing
    // a list at version 6 (older than dave's join) keeps dave and still has a gap
    expect(r.page(page(6, ['carol']))).toEqual({ contacts: [client('carol'), client('dave')], events: [], gap: true });
    // a delta up to 7 that says dave left (before he joined again at 8) does not remove him
    const delta: MessageOf<'roster-delta'> = { kind: 'roster-delta', epoch: E, from: 6, version: 7, changes: [{ name: 'dave', state: 'left-bye' }] };
    expect(r.delta(delta, 'me')).toEqual({ events: [], gap: false });
    expect(names(r)).toEqual(['carol', 'dave']);
    expect(r.version.version).toBe(7);
  });

  it('after a lost registration, those not back are awaited (the grace decides), not reported as left; the answer after the grace does (apps/sim seed 417)', () => {
    const r = new RosterSync();
    r.page(page(5, ['bob', 'carol']));
    r.push(join(6, 'dave'), 'me');
    r.lost();
    // the restarted relay's list (another epoch), in two pages: carol only
    const E2 = E + 1;
    expect(r.page({ ...page(1, ['carol'], 0, 2), epoch: E2 })).toBeNull();
    expect(r.page({ ...page(1, [], 1, 2), epoch: E2 })).toEqual({ contacts: [client('carol')], events: [], gap: false });
    expect(r.groupExpected(true).sort()).toEqual(['bob', 'carol', 'dave']);
    expect(r.awaiting).toBe(true);
    // The grace ends: the answer to the list asked then decides. bob's join was lost, but the delta has it: not gone.
    r.graceOver();
    expect(r.awaiting).toBe(false);
    const delta: MessageOf<'roster-delta'> = { kind: 'roster-delta', epoch: E2, from: 1, version: 2, changes: [{ name: 'bob', state: 'client' }] };
    expect(r.delta(delta, 'me').events).toEqual([
      { type: 'join', contact: client('bob'), back: true },
      { type: 'leave', name: 'dave', reason: 'timeout' },
    ]);
    expect(r.groupExpected(true).sort()).toEqual(['bob', 'carol']);
  });

  it('an "up to date" answer after the grace reports those awaited and not back as left', () => {
    const r = new RosterSync();
    r.page(page(5, ['bob']));
    r.lost();
    r.page({ ...page(1, []), epoch: E + 1 });
    r.graceOver();
    expect(r.delta({ kind: 'roster-delta', epoch: E + 1, from: 1, version: 1, changes: [] }, 'me').events).toEqual([{ type: 'leave', name: 'bob', reason: 'timeout' }]);
    expect(r.awaiting).toBe(false);
    expect(r.groupExpected(true)).toEqual([]);
  });
});

const welcome: WelcomeMessage = {
  kind: 'welcome',
  name: 'bob',
  address: '127.0.0.1',
  port: 1,
  heartbeatIntervalMs: 10_000,
  presenceTimeoutMs: 30_000,
  token: new Uint8Array(16).fill(7),
  hostedByClient: false,
};

function sentLists(core: ClientCore): Array<MessageOf<'list'>> {
  return core
    .take()
    .transmits.map((t) => t.message)
    .filter((m: Message): m is MessageOf<'list'> => m.kind === 'list');
}

describe('ClientCore roster sync', () => {
  it('sends list with its version at once on a gap or a newer heartbeat-ack, and never periodically', () => {
    const core = new ClientCore({ name: 'bob' });
    core.start(0);
    core.handle(welcome, 10);
    expect(sentLists(core)).toEqual([{ kind: 'list', epoch: 0, version: 0 }]);
    core.handle(page(5, ['alice']), 20);
    core.handle(join(6, 'carol'), 30);
    expect(sentLists(core)).toEqual([]);
    core.handle(join(8, 'dave'), 40); // 7 is missing
    expect(sentLists(core)).toEqual([{ kind: 'list', epoch: E, version: 6 }]);
    // while that list waits for its answer, another gap sends nothing more
    core.handle({ kind: 'heartbeat-ack', seq: 1, epoch: E, version: 9 }, 50);
    expect(sentLists(core)).toEqual([]);
    core.handle({ kind: 'roster-delta', epoch: E, from: 6, version: 9, changes: [{ name: 'erin', state: 'client' }, { name: 'dave', state: 'client' }, { name: 'frank', state: 'client' }] }, 60);
    expect(core.contacts().map((c) => c.name)).toEqual(['alice', 'carol', 'dave', 'erin', 'frank']);
    core.handle({ kind: 'heartbeat-ack', seq: 2, epoch: E, version: 9 }, 70);
    expect(sentLists(core)).toEqual([]);
    // hours of polling: heartbeats, no list
    for (let t = 100; t < 3_600_000; t += 5000) {
      core.poll(t);
      for (const x of core.take().transmits) {
        expect(x.message.kind).not.toBe('list');
        if (x.message.kind === 'heartbeat') core.handle({ kind: 'heartbeat-ack', seq: x.message.seq, epoch: E, version: 9 }, t + 1);
      }
    }
    core.handle({ kind: 'heartbeat-ack', seq: 3, epoch: E, version: 10 }, 3_600_100);
    expect(sentLists(core)).toEqual([{ kind: 'list', epoch: E, version: 9 }]);
  });
});
