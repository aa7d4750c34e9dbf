/**
 * The relay's roster version and change log (state/rosterLog.ts), the
 * `roster-delta` chain (rules/presence.ts), and the answer to `list` over
 * real UDP: up to date, a delta, or the whole list (PROTOCOL.md §4.13, §6.7).
 */
import { describe, expect, it } from 'vitest';
import { encodingLength, type RosterChange } from '@udpchat/protocol';
import { deltaChain, MAX_PUSH_GAP_MS } from '../src/rules/presence.js';
import { RosterLog } from '../src/state/rosterLog.js';
import { registered, testRelay } from './helpers/relay.js';
import type { TestPeer } from './helpers/peer.js';

const join = (name: string): [RosterChange[], { kind: 'join'; name: string; type: 'client' }] => [
  [{ name, state: 'client' }],
  { kind: 'join', name, type: 'client' },
];

describe('RosterLog', () => {
  it('numbers every change and gives the changes since a version while it keeps them', () => {
    const log = new RosterLog(3);
    expect(log.epoch).toBeGreaterThan(0);
    expect(log.version).toBe(0);
    expect(log.since(0)).toEqual([]);
    for (const n of ['a', 'b', 'c', 'd']) log.record(...join(n));
    expect(log.version).toBe(4);
    expect(log.since(4)).toEqual([]);
    expect(log.since(2)?.map((c) => c.version)).toEqual([3, 4]);
    expect(log.since(1)?.map((c) => c.changes[0]!.name)).toEqual(['b', 'c', 'd']);
    // version 1 ('a') is no longer kept: a client at 0 gets the whole list
    expect(log.oldestDeltaBase).toBe(1);
    expect(log.since(0)).toBeNull();
    // a version this epoch never had
    expect(log.since(5)).toBeNull();
  });

  it('draws an epoch other than 0 even from a source that gives 0 first', () => {
    const draws = [0, 0, 7];
    const log = new RosterLog(1, () => draws.shift() ?? 9);
    expect(log.epoch).toBe(7);
    expect(new RosterLog(1, () => 0).epoch).toBeGreaterThan(0);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new RosterLog(0)).toThrow(RangeError);
  });
});

describe('deltaChain', () => {
  it('cuts many changes into datagrams that fit, each covering whole versions, in order', () => {
    const log = new RosterLog(1000);
    for (let i = 0; i < 200; i++) log.record(...join(`contact-${String(i).padStart(4, '0')}`));
    log.record([{ name: 'contact-0000', state: 'left-bye' }, { name: 'zed', state: 'client' }], { kind: 'rename', from: 'contact-0000', name: 'zed' });
    const chain = deltaChain(log.epoch, log.since(0)!, 1152);
    expect(chain.length).toBeGreaterThan(2);
    let from = 0;
    for (const d of chain) {
      expect(encodingLength(d)).toBeLessThanOrEqual(1152);
      expect(d.from).toBe(from);
      from = d.version;
    }
    expect(from).toBe(201);
    expect(chain.flatMap((d) => d.changes)).toHaveLength(202);
    // the rename's two entries are in one datagram
    expect(chain.at(-1)!.changes.slice(-2)).toEqual([
      { name: 'contact-0000', state: 'left-bye' },
      { name: 'zed', state: 'client' },
    ]);
  });

  it('has a bounded push gap', () => {
    expect(MAX_PUSH_GAP_MS).toBeLessThanOrEqual(5000);
  });
});

/** The roster version `peer`'s heartbeat-ack reports. */
async function versionOf(peer: TestPeer): Promise<{ epoch: number; version: number }> {
  await peer.send({ kind: 'heartbeat', seq: 9 });
  const ack = await peer.next('heartbeat-ack', (m) => m.seq === 9);
  return { epoch: ack.epoch, version: ack.version };
}

describe('the answer to list (real UDP)', () => {
  it('is "up to date" at the current version, the changes since an older one, the whole list for another epoch', async () => {
    const relay = await testRelay();
    const [alice] = await registered(relay, 'alice');
    const at = await versionOf(alice!);
    await alice!.send({ kind: 'list', ...at });
    expect(await alice!.next('roster-delta')).toEqual({ kind: 'roster-delta', epoch: at.epoch, from: at.version, version: at.version, changes: [] });

    await registered(relay, 'bob', 'carol');
    await alice!.next('join', (m) => m.name === 'carol');
    await alice!.send({ kind: 'list', ...at });
    const delta = await alice!.next('roster-delta');
    expect(delta).toEqual({
      kind: 'roster-delta',
      epoch: at.epoch,
      from: at.version,
      version: at.version + 2,
      changes: [
        { name: 'bob', state: 'client' },
        { name: 'carol', state: 'client' },
      ],
    });

    await alice!.send({ kind: 'list', epoch: (at.epoch % 0xffff_fffe) + 1, version: at.version }); // another epoch (u32, not 0)
    const page = await alice!.next('contacts');
    expect(page).toMatchObject({ epoch: at.epoch, version: at.version + 2, page: 0, pages: 1 });
    expect(page.contacts.map((c) => c.name).sort()).toEqual(['bob', 'carol']);
  });

  it('is the whole list when the log no longer has the changes', async () => {
    const relay = await testRelay({ rosterLogCapacity: 2 });
    const [alice] = await registered(relay, 'alice');
    const at = await versionOf(alice!);
    await registered(relay, 'bob', 'carol', 'dave');
    await alice!.next('join', (m) => m.name === 'dave');
    await alice!.send({ kind: 'list', ...at });
    const page = await alice!.next('contacts');
    expect(page).toMatchObject({ epoch: at.epoch, version: at.version + 3 });
    expect(page.contacts).toHaveLength(3);
  });
});
