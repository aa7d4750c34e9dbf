/**
 * Cluster mode when relays fail or stop (CLUSTER.md "Relay failure",
 * "Names"), over a real nats-server with test timings (heartbeat 100 ms,
 * down after 800 ms, grace 1.5 s): a relay whose NATS link dies is noticed,
 * its users stay listed as moving, are relocated silently when they register
 * elsewhere in the grace, and leave (timeout) after it; a stopping relay
 * says bye `relay moving: …`; names are unique cluster-wide, and the same key
 * takes a name over from another relay.
 */
import { describe, expect, it } from 'vitest';
import { rawPublicKey, signIdentify } from '@udpchat/protocol';
import { barrier, chat } from './helpers/peer.js';
import { peerOf, registered } from './helpers/relay.js';
import { clusterFormed, clusterRelay, freshPrefix, NATS_MISSING, natsServerPath, natsServerForSuite } from './helpers/cluster.js';
import { until } from './helpers/wait.js';
import type { Relay } from '../src/index.js';
import type { ClusterOptions } from '../src/cluster/options.js';
import { newKey, registerWithKey } from './helpers/identity.js';

const missing = natsServerPath() === undefined;


/** The relay's NATS link dies (no `moving`, no heartbeats any more); then it stops serving. */
async function crash(relay: Relay): Promise<void> {
  await relay.cluster?.connection.close();
  await relay.stop();
}

describe.skipIf(missing)('relay failure and names across the cluster', () => {
  const nats = natsServerForSuite();

  /** `n` relays of a fresh cluster; `timing` for tests that need no quick failure detection (a loaded machine then never makes a relay suspect). */
  async function relaysOf(n: number, timing: Partial<ClusterOptions> = {}): Promise<Relay[]> {
    const prefix = freshPrefix();
    const relays = await Promise.all(Array.from({ length: n }, (_, i) => clusterRelay(nats.url, prefix, `r${i + 1}`, {}, timing)));
    await clusterFormed(relays);
    return relays;
  }

  it('keeps the users of a dead relay as moving for the grace, then pushes their leave (timeout)', async () => {
    const [r1, r2, r3] = (await relaysOf(3)) as [Relay, Relay, Relay];
    const [alice] = await registered(r1, 'alice');
    await registered(r2, 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    const diedAt = Date.now();
    await crash(r2);
    await until(() => r1.stats().cluster?.peersUp === 1 && r3.stats().cluster?.peersUp === 1, 'r1 and r3 to see r2 down');
    const noticedMs = Date.now() - diedAt;
    expect(noticedMs).toBeLessThan(3000);
    await barrier(alice!, 1);
    expect(alice!.pending('leave')).toHaveLength(0); // moving: still listed
    expect(r1.stats().cluster).toMatchObject({ remoteContacts: 1, movingContacts: 1 });
    const leave = await alice!.next('leave', (m) => m.name === 'bob', 5000);
    expect(leave.reason).toBe('timeout');
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(1500); // not before the grace
    expect(r1.stats().cluster?.remoteContacts).toBe(0);
  });

  it('relocates a user of a dead relay silently when it registers on another one within the grace', async () => {
    const [r1, r2, r3] = (await relaysOf(3)) as [Relay, Relay, Relay];
    const [alice] = await registered(r1, 'alice');
    await registered(r2, 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    await crash(r2);
    await until(() => r3.stats().cluster?.peersUp === 1, 'r3 to see r2 down');
    const bob = await peerOf(r3);
    const { contacts } = await bob.register('bob');
    expect(contacts.map((c) => c.name)).toEqual(['alice']);
    await until(() => r1.stats().cluster?.remoteContacts === 1 && r1.stats().cluster?.movingContacts === 0, 'r1 to have bob on r3');
    const sent = chat('bob', 'still there?', { epoch: 1, seq: 1 });
    await alice!.send(sent);
    expect((await bob.next('chat', (m) => m.id === sent.id, 10_000)).from).toBe('alice'); // alice → r1 → NATS → r3 → bob: generous on a loaded machine (CI once saw 3 s pass)
    // Past the grace: no leave, no join of bob was pushed to alice.
    await new Promise((resolve) => setTimeout(resolve, 1700)); // the grace (1.5 s) must pass for the absence of a leave to mean anything
    await barrier(alice!, 2);
    expect(alice!.pending('leave').filter((m) => m.name === 'bob')).toHaveLength(0);
    expect(alice!.pending('join').filter((m) => m.name === 'bob')).toHaveLength(0);
  });

  it('a stopping relay says bye "relay moving: …" and its users move without leave or join', async () => {
    const [r1, r2, r3] = (await relaysOf(3)) as [Relay, Relay, Relay];
    const [alice] = await registered(r1, 'alice');
    const [bob] = await registered(r2, 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    await r2.stop();
    expect((await bob!.next('bye')).reason).toMatch(/^relay moving: /);
    await until(() => r3.stats().cluster?.peersUp === 1, 'r3 to know r2 left');
    const again = await peerOf(r3);
    await again.register('bob');
    await until(() => r1.stats().cluster?.remoteContacts === 1 && r1.stats().cluster?.movingContacts === 0, 'r1: bob on r3, not moving');
    const sent = chat('bob', 'moved?', { epoch: 1, seq: 1 });
    await alice!.send(sent);
    await again.next('chat', (m) => m.id === sent.id);
    await barrier(alice!, 3);
    expect(alice!.pending('leave')).toHaveLength(0);
    expect(alice!.pending('join')).toHaveLength(0);
  });

  it('a keyed user of a stopped relay moves with its key; a keyless claimant is refused in the grace', async () => {
    const [r1, r2, r3] = (await relaysOf(3)) as [Relay, Relay, Relay];
    const [alice] = await registered(r1, 'alice');
    const key = newKey();
    const bob = await peerOf(r2);
    await registerWithKey(bob, 'bob', key);
    await alice!.next('join', (m) => m.name === 'bob');
    await r2.stop();
    await until(() => r3.stats().cluster?.movingContacts === 1, 'r3 to take bob as moving');
    const thief = await peerOf(r3);
    await thief.hello('bob');
    thief.token = (await thief.next('welcome')).token;
    await thief.send({ kind: 'list', epoch: 0, version: 0 });
    // bob's name is bound to his key cluster-wide (the JetStream store): refused as a single relay refuses it.
    expect((await thief.next('error')).code).toBe('NAME_KEY_MISMATCH');
    const moved = await peerOf(r3);
    await registerWithKey(moved, 'bob', key);
    await until(() => r1.stats().cluster?.movingContacts === 0 && r1.stats().cluster?.remoteContacts === 1, 'r1: bob on r3');
    await barrier(alice!, 4);
    expect(alice!.pending('leave')).toHaveLength(0);
    expect(alice!.pending('join')).toHaveLength(0);
  });

  it('a full relay refuses a moving user before claiming its name: it stays moving for the others', async () => {
    const prefix = freshPrefix();
    const [r1, r2, r3] = await Promise.all([
      clusterRelay(nats.url, prefix, 'r1'),
      clusterRelay(nats.url, prefix, 'r2'),
      clusterRelay(nats.url, prefix, 'r3', { maxContacts: 1 }),
    ]);
    await clusterFormed([r1, r2, r3]);
    await registered(r3, 'carol');
    await registered(r2, 'bob');
    const key = newKey();
    const dave = await peerOf(r2);
    await registerWithKey(dave, 'dave', key);
    await until(() => r1.stats().cluster?.remoteContacts === 3, 'r1 to know carol, bob, dave');
    await r2.stop();
    await until(() => r3.stats().cluster?.movingContacts === 2, 'r3 to take bob and dave as moving');
    const bob = await peerOf(r3);
    await bob.hello('bob');
    expect((await bob.next('error')).code).toBe('RELAY_FULL');
    const dave2 = await peerOf(r3);
    await dave2.hello('dave');
    dave2.token = (await dave2.next('welcome')).token;
    await dave2.send({ kind: 'identify', name: 'dave', publicKey: rawPublicKey(key), signature: signIdentify(key, dave2.token, 'dave') });
    expect((await dave2.next('error')).code).toBe('RELAY_FULL');
    expect(r3.stats().cluster?.movingContacts).toBe(2); // not claimed
    expect(r1.stats().cluster?.movingContacts).toBe(2);
  });

  it('refuses a name present on another relay, and lets the same key take it over from there', async () => {
    const [r1, r2] = (await relaysOf(2, { downAfterMs: 3000 })) as [Relay, Relay];
    const key = newKey();
    const first = await peerOf(r1);
    await registerWithKey(first, 'bob', key);
    await until(() => r2.stats().cluster?.remoteContacts === 1 && r2.stats().store?.bindings === 1, 'r2 to know bob, and his binding');
    const thief = await peerOf(r2);
    await thief.hello('bob');
    thief.token = (await thief.next('welcome')).token; // a keyed name: pending until a key is proved
    await thief.send({ kind: 'list', epoch: 0, version: 0 });
    // The binding is cluster-wide (JetStream store): a keyless session is refused the reserved name, as by a single relay.
    expect((await thief.next('error')).code).toBe('NAME_KEY_MISMATCH');
    const other = await peerOf(r2);
    await other.hello('Bob');
    other.token = (await other.next('welcome')).token;
    await other.send({ kind: 'identify', name: 'Bob', publicKey: rawPublicKey(newKey()), signature: new Uint8Array(64) });
    expect((await other.next('error')).code).toBe('NAME_KEY_MISMATCH'); // the key is checked against the binding first
    const [watcher] = await registered(r1, 'watcher');
    const second = await peerOf(r2);
    await registerWithKey(second, 'bob', key);
    expect((await first.next('error')).code).toBe('SESSION_REPLACED');
    expect((await first.next('bye')).reason).toMatch(/replaced/);
    await until(() => r1.contactCount === 1 && r1.stats().cluster?.remoteContacts === 1, 'bob on r2 only');
    const sent = chat('bob', 'which one?', { epoch: 1, seq: 1 });
    await watcher!.send(sent);
    expect((await second.next('chat', (m) => m.id === sent.id)).text).toBe('which one?');
  });
});

if (missing) it.skip(NATS_MISSING, () => {});
