/**
 * Cluster mode over a real nats-server (CLUSTER.md): three relays in one
 * process on 127.0.0.1 port 0, protocol clients on real sockets. Presence
 * across relays, direct chats and acks routed to the recipient's relay,
 * group chats published once and fanned out by every relay.
 */
import { describe, expect, it } from 'vitest';
import { barrier, chat } from './helpers/peer.js';
import { captureLogger, peerOf, rawPeerOf, registered } from './helpers/relay.js';
import { clusterFormed, clusterRelay, freshPrefix, NATS_MISSING, natsServerPath, natsServerForSuite, watchSubject } from './helpers/cluster.js';
import { until } from './helpers/wait.js';

const missing = natsServerPath() === undefined;

describe.skipIf(missing)('three relays as one chat', () => {
  const nats = natsServerForSuite();

  async function threeRelays() {
    const prefix = freshPrefix();
    const relays = await Promise.all(['r1', 'r2', 'r3'].map((id) => clusterRelay(nats.url, prefix, id)));
    await clusterFormed(relays);
    return { prefix, relays };
  }

  it('logs the cluster state, and nothing at error level, from the start', async () => {
    const prefix = freshPrefix();
    const { logger, lines } = captureLogger();
    const r1 = await clusterRelay(nats.url, prefix, 'r1', { logger });
    const r2 = await clusterRelay(nats.url, prefix, 'r2');
    await clusterFormed([r1, r2]);
    await until(() => lines.some((l) => l.msg === 'relay joined the cluster' && l.relay === 'r2'), 'r2 joining in r1\'s log');
    expect(lines.find((l) => l.msg === 'cluster joined')).toMatchObject({ relayId: 'r1', nats: nats.url, prefix });
    expect(lines.find((l) => l.msg === 'relay started')).toMatchObject({ relayId: 'r1' });
    await r2.stop();
    await until(() => lines.some((l) => l.msg === 'relay left the cluster: its users are moving' && l.relay === 'r2'), 'r2 leaving in r1\'s log');
    expect(r1.stats().cluster).toMatchObject({ relayId: 'r1', connected: true, peersUp: 0, peers: 1 });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

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

  it('routes a direct chat to the recipient\'s relay and its ack back, exactly once', async () => {
    const { relays } = await threeRelays();
    const [r1, r2] = relays as [typeof relays[0], typeof relays[0]];
    const [alice] = await registered(r1, 'alice');
    const [bob] = await registered(r2, 'bob');
    await until(() => r1.stats().cluster?.remoteContacts === 1, 'r1 to know bob');
    const sent = chat('bob', 'hi bob', { epoch: 7, seq: 1, base: 0 });
    await alice!.send(sent);
    const got = await bob!.next('chat', (m) => m.id === sent.id);
    expect(got).toMatchObject({ from: 'alice', to: 'bob', text: 'hi bob', epoch: 7, seq: 1 });
    await bob!.send({ kind: 'ack', from: '', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] });
    const ack = await alice!.next('ack');
    expect(ack).toMatchObject({ from: 'bob', to: 'alice', group: false, upTo: 1 });
    await barrier(bob!, 1);
    expect(bob!.pending('chat')).toHaveLength(0); // not twice
    expect(r1.stats().cluster).toMatchObject({ routedOut: 1, routedIn: 1 });
    expect(r2.stats().cluster).toMatchObject({ routedOut: 1, routedIn: 1 });
    // A name offline cluster-wide is answered as by a single relay.
    await alice!.send(chat('nobody', 'x'));
    expect((await alice!.next('error')).code).toBe('UNKNOWN_CONTACT');
  });

  it('publishes a group chat once; every relay gives it to its own users; the relay-ack counts the cluster', async () => {
    const { prefix, relays } = await threeRelays();
    const [r1, r2, r3] = relays as [typeof relays[0], typeof relays[0], typeof relays[0]];
    const group = await watchSubject(nats.url, `${prefix}.group`);
    const [alice, dave] = await registered(r1, 'alice', 'dave');
    const [bob, erin] = await registered(r2, 'bob', 'erin');
    const [carol] = await registered(r3, 'carol');
    await until(() => relays.every((r) => (r.stats().cluster?.remoteContacts ?? 0) + r.contactCount === 5), 'every relay to know all five');
    const sent = chat('all', 'hello all', { epoch: 3, seq: 1 });
    await alice!.send(sent);
    for (const p of [dave, bob, erin, carol]) expect(await p!.next('chat', (m) => m.id === sent.id)).toMatchObject({ from: 'alice', to: 'all', text: 'hello all' });
    expect((await alice!.next('relay-ack', (m) => m.id === sent.id)).recipients).toBe(4);
    await until(() => group.count() >= 1, 'the group publish');
    for (const [i, p] of [alice, dave, bob, erin, carol].entries()) await barrier(p!, 10 + i);
    expect(group.count()).toBe(1); // one NATS publish for the two other relays
    for (const p of [alice, dave, bob, erin, carol]) expect(p!.pending('chat')).toHaveLength(0);
    expect(r1.stats().cluster?.routedOut).toBe(1);
    expect(r2.stats().cluster?.routedIn).toBe(1);
    expect(r3.stats().cluster?.routedIn).toBe(1);
    // Group acks go back to the sender's relay.
    await bob!.send({ kind: 'ack', from: '', to: 'alice', group: true, epoch: 3, upTo: 1, ranges: [] });
    expect(await alice!.next('ack')).toMatchObject({ from: 'bob', group: true, upTo: 1 });
  });

  it('pushes a rename across relays; keeps plain-text peers (named by their address) on their relay', async () => {
    const { relays } = await threeRelays();
    const [r1, r2] = relays as [typeof relays[0], typeof relays[0]];
    const [alice] = await registered(r1, 'alice');
    const [bob] = await registered(r2, 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    await bob!.hello('robert');
    await bob!.next('welcome', (m) => m.name === 'robert');
    expect(await alice!.next('rename')).toMatchObject({ from: 'bob', name: 'robert' });
    const plain = await rawPeerOf(r1);
    await plain.send('hello from nc');
    expect((await alice!.next('join', (m) => m.type === 'plain')).name).toBe(plain.contactName);
    expect((await alice!.next('chat', (m) => m.text === 'hello from nc')).from).toBe(plain.contactName);
    await plain.send('@robert are you there');
    expect(await plain.nextText()).toBe('[relay] robert is not online');
    await barrier(bob!, 1);
    expect(bob!.pending('chat')).toHaveLength(0); // no address went to r2
    expect(bob!.pending('join').filter((m) => m.name === plain.contactName)).toHaveLength(0);
    // Group chats of other relays' users do reach it.
    await bob!.send(chat('all', 'hi all', { epoch: 1, seq: 1 }));
    expect(await plain.nextText()).toBe('[robert] hi all');
  });
});

if (missing) it.skip(NATS_MISSING, () => {});
