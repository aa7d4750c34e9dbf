/**
 * The cluster core (apps/server/src/cluster/clusterCore.ts) over an
 * in-memory bus on a virtual clock: relay cores with the real rules, no
 * NATS, no timers, so the timings and the message orders are exact. Also
 * the test vectors of CLUSTER.md §4 and the checks of what other relays send.
 */
import { describe, expect, it } from 'vitest';
import { decodeDatagram, type Message } from '@udpchat/protocol';
import { decodeEnvelope, encodeEnvelope } from '../src/cluster/envelope.js';
import { encodeControl, parseControl } from '../src/cluster/messages.js';
import { defaultRelayId, resolveClusterOptions } from '../src/cluster/options.js';
import { MemoryBus, type BusRelay } from './helpers/memoryBus.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The messages `relay` sent to the client at `port` since `from`. */
function toPort(relay: BusRelay, port: number, from = 0): Message[] {
  return relay.driver.messagesSince(from).filter((m) => m.port === port).map((m) => m.message);
}

describe('CLUSTER.md test vectors', () => {
  it('routes a chat and an ack in these envelopes', () => {
    const chat = encodeEnvelope('r1', { kind: 'chat', id: 'm1', from: 'alice', to: 'bob', epoch: 7, seq: 1, base: 0, time: 1700000000000, text: 'hi' });
    expect(hex(chat)).toBe('01027231ff55020600026d3105616c69636503626f620000000700000001000000000000018bcfe5680000026869');
    const ack = encodeEnvelope('r2', { kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] });
    expect(hex(ack)).toBe('01027232ff55020c0003626f6205616c69636500000000070000000100');
    expect(decodeEnvelope(ack)).toEqual({ origin: 'r2', message: { kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] } });
  });

  it('refuses what is not a control message or an envelope', () => {
    expect(parseControl(new TextEncoder().encode('{"t":"join","relay":"r1","instance":"x","seq":1,"name":"bad name!"}'))).toEqual({ error: 'not a valid "join" message' });
    expect(parseControl(new TextEncoder().encode('{"t":"hb","relay":"a.b","instance":"x","seq":1,"users":0}'))).toHaveProperty('error');
    expect(parseControl(Uint8Array.of(0xff, 0xfe))).toEqual({ error: 'not UTF-8 JSON' });
    expect(parseControl(encodeControl({ t: 'sync', relay: 'r1' }))).toEqual({ message: { t: 'sync', relay: 'r1' } });
    expect(decodeEnvelope(Uint8Array.of(1, 2, 0x72, 0x31, 0xff))).toHaveProperty('error');
  });

  it('defaults the relay id to hostname:port, as one subject token', () => {
    expect(defaultRelayId(8081, 'chat.example.org')).toBe('chat-example-org:8081');
    expect(resolveClusterOptions({ url: 'nats://127.0.0.1:4222' }, 9001)).toMatchObject({ servers: ['nats://127.0.0.1:4222'], prefix: 'udpchat', heartbeatMs: 1000, downAfterMs: 3000, graceMs: 15_000 });
    expect(() => resolveClusterOptions({ url: 'nats://x:1', heartbeatMs: 500, downAfterMs: 400 }, 1)).toThrow(RangeError);
  });
});

describe('the cluster core on an in-memory bus', () => {
  function cluster(...ids: string[]): { bus: MemoryBus; relays: BusRelay[] } {
    const bus = new MemoryBus();
    const relays = ids.map((id) => bus.add(id));
    bus.advance(300);
    return { bus, relays };
  }

  it('down after 500 ms of silence, moving for the 1.5 s grace, then leave (timeout): not a moment sooner', () => {
    const { bus, relays } = cluster('r1', 'r2');
    const [r1, r2] = relays as [BusRelay, BusRelay];
    r1.driver.register(1001, 'alice');
    r2.driver.register(2001, 'bob');
    bus.run();
    expect(toPort(r1, 1001).some((m) => m.kind === 'join' && m.name === 'bob')).toBe(true);
    const mark = r1.driver.sent.length;
    bus.cut('r2');
    const cutAt = bus.t;
    bus.advance(450);
    expect(r1.cluster.stats()).toMatchObject({ peersUp: 1, movingContacts: 0 });
    bus.advance(200); // > 500 ms silent
    expect(r1.cluster.stats()).toMatchObject({ peersUp: 0, remoteContacts: 1, movingContacts: 1 });
    expect(r1.logs.some((l) => l.msg === 'relay down: its users are moving' && l.relay === 'r2')).toBe(true);
    bus.advance(1300);
    expect(toPort(r1, 1001, mark).filter((m) => m.kind === 'leave')).toHaveLength(0);
    bus.advance(600);
    const leaves = toPort(r1, 1001, mark).filter((m) => m.kind === 'leave');
    expect(leaves).toEqual([expect.objectContaining({ name: 'bob', reason: 'timeout' })]);
    expect(bus.t - cutAt).toBeGreaterThan(2000);
  });

  it('a lost presence change is noticed at the next heartbeat and repaired by a snapshot', () => {
    const { bus, relays } = cluster('r1', 'r2');
    const [r1, r2] = relays as [BusRelay, BusRelay];
    r1.driver.register(1001, 'alice');
    bus.run();
    bus.dropNext = (m) => m.from === 'r2' && new TextDecoder().decode(m.data).includes('"join"');
    r2.driver.register(2001, 'bob');
    bus.run();
    expect(r1.cluster.stats().remoteContacts).toBe(0); // lost
    bus.advance(250);
    expect(r1.cluster.stats().remoteContacts).toBe(1);
    expect(toPort(r1, 1001).some((m) => m.kind === 'join' && m.name === 'bob')).toBe(true);
    const syncs = bus.published.filter((m) => m.from === 'r1' && m.subject === bus.subjects.relay('r2') && new TextDecoder().decode(m.data).includes('"sync"'));
    expect(syncs.length).toBeGreaterThanOrEqual(1);
  });

  it('drops and counts malformed cluster messages without effect', () => {
    const { bus, relays } = cluster('r1');
    const [r1] = relays as [BusRelay];
    r1.driver.register(1001, 'alice');
    const before = r1.driver.sent.length;
    r1.cluster.receive(bus.subjects.presence, Uint8Array.of(0x7b, 0x00));
    r1.cluster.receive(bus.subjects.presence, new TextEncoder().encode('{"t":"join","relay":"r9","instance":"x","seq":"1","name":"eve"}'));
    r1.cluster.receive(bus.subjects.group, encodeEnvelope('r9', { kind: 'ack', from: 'eve', to: 'alice', group: true, epoch: 1, upTo: 1, ranges: [] }));
    r1.cluster.receive(bus.subjects.relay('r1'), Uint8Array.of(1, 200));
    expect(r1.cluster.stats().malformed).toBe(3);
    expect(r1.cluster.stats().routedDropped).toBe(1); // the ack on the group subject
    expect(r1.driver.sent.length).toBe(before);
    expect(r1.cluster.stats().remoteContacts).toBe(0);
  });

  it('a name registered on two relays at once ends with the smaller relay id, everywhere', () => {
    const { bus, relays } = cluster('r1', 'r2', 'r3');
    const [r1, r2, r3] = relays as [BusRelay, BusRelay, BusRelay];
    r3.driver.register(3001, 'watcher');
    bus.run();
    r1.driver.register(1001, 'alice');
    r2.driver.register(2001, 'alice');
    bus.run();
    bus.advance(200);
    const kicked = toPort(r2, 2001);
    expect(kicked.some((m) => m.kind === 'error' && m.code === 'NAME_TAKEN')).toBe(true);
    expect(kicked.some((m) => m.kind === 'bye')).toBe(true);
    expect(r2.driver.core.contactCount).toBe(0);
    expect(r1.driver.core.contactCount).toBe(1);
    for (const r of [r2, r3]) expect(r.cluster.stats().remoteContacts).toBe(r === r3 ? 1 : 2);
    // r3's roster has alice (of r1) once, and a chat to her reaches r1's.
    const mark = r1.driver.sent.length;
    r3.driver.send(3001, { kind: 'chat', id: 'c1', from: '', to: 'alice', epoch: 1, seq: 1, base: 0, time: 1, text: 'which?' });
    bus.run();
    expect(toPort(r1, 1001, mark).some((m) => m.kind === 'chat' && m.text === 'which?')).toBe(true);
    expect(decodeDatagram(r1.driver.sent.at(-1)!.bytes).message).toMatchObject({ kind: 'chat', from: 'watcher' });
  });
});
