/**
 * Cluster mode over a real nats-server (CLUSTER.md): three relays in one
 * process on 127.0.0.1 port 0, protocol clients on real sockets. Presence
 * across relays, direct chats and acks routed to the recipient's relay,
 * group chats published once and fanned out by every relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat } from './helpers/peer.js';
import { peerOf, registered } from './helpers/relay.js';
import { clusterFormed, clusterRelay, freshPrefix, NATS_MISSING, natsServerPath, startNatsServer, watchSubject, type NatsServer } from './helpers/cluster.js';
import { until } from './helpers/wait.js';

const missing = natsServerPath() === undefined;

describe.skipIf(missing)('three relays as one chat', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  async function threeRelays() {
    const prefix = freshPrefix();
    const relays = await Promise.all(['r1', 'r2', 'r3'].map((id) => clusterRelay(nats.url, prefix, id)));
    await clusterFormed(relays);
    return { prefix, relays };
  }

  it('shows every relay\'s users to everyone, pushes joins and leaves across relays', async () => {
    const { relays } = await threeRelays();
    const [r1, r2, r3] = relays as [typeof relays[0], typeof relays[0], typeof relays[0]];
    const [alice] = await registered(r1, 'alice');
    const [bob] = await registered(r2, 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    const [carol] = await registered(r3, 'carol');
    await alice!.next('join', (m) => m.name === 'carol');
    await bob!.next('join', (m) => m.name === 'carol');
    // A newcomer's first page lists the users of every relay, no addresses.
    const [dave] = await registered(r2, 'dave');
    void dave;
    await until(() => r3.stats().cluster?.remoteContacts === 3, 'r3 to know alice, bob, dave');
    const erin = await peerOf(r3);
    const list = await erin.register('erin');
    expect(list.contacts.map((c) => c.name).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(list.contacts.every((c) => c.type === 'client')).toBe(true);
    // A bye on r2 is a leave everywhere.
    await bob!.send({ kind: 'bye', reason: '' });
    const leave = await carol!.next('leave', (m) => m.name === 'bob');
    expect(leave.reason).toBe('bye');
    await alice!.next('leave', (m) => m.name === 'bob');
    expect(r1.contactCount).toBe(1); // its own users only
  });
});

if (missing) it.skip(NATS_MISSING, () => {});
