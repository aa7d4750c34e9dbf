/**
 * Presence by version and delta over real UDP (PROTOCOL.md §6.7, issue 12):
 * a real relay on port 0 and real ChatSessions; bob sits behind a filter
 * proxy that drops exactly the datagram the test wants lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, MessageOf } from '@udpchat/protocol';
import { startRelay, type Relay } from '@udpchat/server';
import { ChatSession } from '../src/net/session.js';
import { startFilterProxy, type FilterProxy, type Seen } from './helpers/filterProxy.js';
import { freeUdpPort, whileInUse } from '../../../tools/test/ports.js';
import { until } from './helpers/wait.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function relayOn(port: number, heartbeatIntervalMs?: number): Promise<Relay> {
  // whileInUse: restarted below on the port it just closed (ports.ts says why that can take a moment).
  const relay = await whileInUse(() => startRelay({ host: '127.0.0.1', port, ...(heartbeatIntervalMs && { heartbeatIntervalMs }) }));
  cleanups.push(() => relay.stop());
  return relay;
}

async function session(port: number, name: string): Promise<ChatSession> {
  const s = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: false });
  cleanups.push(() => s.close());
  s.start();
  await until(() => s.registration === 'registered', `${name} to register`);
  return s;
}

async function proxy(relay: Relay, drop: (direction: 'up' | 'down', m: Message | null) => boolean): Promise<FilterProxy> {
  const p = await startFilterProxy(relay.address.port, drop);
  cleanups.push(() => p.close());
  return p;
}

const names = (s: ChatSession): string[] => s.contacts().map((c) => c.name);
const sent = <K extends Message['kind']>(seen: Seen[], direction: 'up' | 'down', kind: K): MessageOf<K>[] =>
  seen.filter((x) => x.direction === direction && x.message?.kind === kind && !x.dropped).map((x) => x.message as MessageOf<K>);

/** Drops the first `join` to the client that names `name`. */
function dropFirstJoinOf(name: string): (direction: 'up' | 'down', m: Message | null) => boolean {
  let dropped = false;
  return (direction, m) => {
    if (dropped || direction !== 'down' || m?.kind !== 'join' || m.name !== name) return false;
    dropped = true;
    return true;
  };
}

describe('presence by version and delta', () => {
  it('a missed join is noticed at the next numbered push and repaired by a delta, not a whole list', async () => {
    const relay = await relayOn(0); // default heartbeat interval (10 s): the repair cannot come from a heartbeat-ack
    const p = await proxy(relay, dropFirstJoinOf('carol'));
    const bob = await session(p.port, 'bob');
    await session(relay.address.port, 'carol'); // its join to bob is dropped
    await until(() => p.seen.some((x) => x.dropped), 'the proxy to drop carol’s join');
    expect(names(bob)).toEqual([]);
    await session(relay.address.port, 'dave'); // its join (version +2 for bob) shows the gap
    await until(() => names(bob).length === 2, 'bob to list carol and dave');
    expect(names(bob)).toEqual(['carol', 'dave']);

    const lists = sent(p.seen, 'up', 'list');
    expect(lists).toHaveLength(2); // the first (no list: epoch 0) and the repair
    expect(lists[0]).toMatchObject({ epoch: 0, version: 0 });
    const first = sent(p.seen, 'down', 'contacts')[0]!;
    expect(lists[1]).toEqual({ kind: 'list', epoch: first.epoch, version: first.version });
    const deltas = sent(p.seen, 'down', 'roster-delta');
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({ epoch: first.epoch, from: first.version });
    expect(deltas[0]!.changes).toContainEqual({ name: 'carol', state: 'client' });
    expect(sent(p.seen, 'down', 'contacts')).toHaveLength(1); // no second whole list
    // The gap, not a heartbeat-ack, caused the repair: bob had not heartbeated yet.
    const up = p.seen.filter((x) => x.direction === 'up').map((x) => x.message?.kind);
    expect(up.indexOf('heartbeat') === -1 || up.indexOf('heartbeat') > up.lastIndexOf('list')).toBe(true);
  });

  it('a missed last change is repaired from the heartbeat-ack’s version', async () => {
    const relay = await relayOn(0, 300);
    const p = await proxy(relay, dropFirstJoinOf('carol'));
    const bob = await session(p.port, 'bob');
    await session(relay.address.port, 'carol'); // dropped, and nothing comes after it
    await until(() => names(bob).includes('carol'), 'bob to list carol');
    const acks = sent(p.seen, 'down', 'heartbeat-ack');
    const first = sent(p.seen, 'down', 'contacts')[0]!;
    expect(acks.some((a) => a.epoch === first.epoch && a.version > first.version)).toBe(true);
    expect(sent(p.seen, 'down', 'roster-delta')[0]!.changes).toEqual([{ name: 'carol', state: 'client' }]);
    expect(sent(p.seen, 'down', 'contacts')).toHaveLength(1);
  });

  it('after a relay restart the old version is of another epoch: the whole list comes', async () => {
    const port = await freeUdpPort(); // restarted on it below: no port-0 socket of another test may take it meanwhile
    const first = await relayOn(port, 300);
    const p = await proxy(first, () => false);
    const bob = await session(p.port, 'bob');
    await session(port, 'carol');
    await until(() => names(bob).includes('carol'), 'bob to list carol');
    const before = sent(p.seen, 'down', 'join').at(-1)!;
    await first.stop('restarting');
    await relayOn(port, 300);
    const alice = await session(port, 'alice');
    await until(() => sent(p.seen, 'down', 'contacts').some((c) => c.epoch !== before.epoch), 'bob’s whole list from the new relay');
    const lists = sent(p.seen, 'up', 'list');
    expect(lists.at(-1)).toEqual({ kind: 'list', epoch: before.epoch, version: before.version });
    const last = sent(p.seen, 'down', 'contacts').at(-1)!;
    expect(last.epoch).not.toBe(before.epoch);
    await until(() => names(bob).includes('alice'), 'bob to list alice');
    expect(alice.registration).toBe('registered');
  });
});
