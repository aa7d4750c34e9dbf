import { encode, ERROR_CODES, paddedHello, TOKEN_BYTES, type Message } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { IpCount } from '../src/state/ipCount.js';
import { PENDING_TIMEOUT_MS, PendingTable, tokensEqual } from '../src/state/sessions.js';
import { barrier, chat, TestPeer } from './helpers/peer.js';
import { peerOf, registered, testRelay } from './helpers/relay.js';
import { until } from './helpers/wait.js';
import { addsUp } from './helpers/stats.js';
import { freeUdpPort, whileInUse } from '../../../tools/test/ports.js';

describe('the registration handshake (PROTOCOL.md §6.1)', () => {
  it('hello gets only a welcome with a fresh token; the list with the token completes it, then pages and join', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const alice = await peerOf(relay);
    const before = relay.stats();
    await alice.hello('alice');
    const welcome = await alice.next('welcome');
    expect(welcome.token).toHaveLength(TOKEN_BYTES);
    expect(tokensEqual(welcome.token, bob!.token)).toBe(false);
    // Pending: invisible, no pages yet, nothing sent but the welcome.
    const pendingStats = await until(() => relay.stats().datagramsIn === before.datagramsIn + 1 && relay.stats(), 'the hello');
    expect(pendingStats.datagramsOut - before.datagramsOut).toBe(1);
    expect(pendingStats).toMatchObject({ contacts: 1, pending: 1 });
    expect(relay.contacts().map((c) => c.name)).toEqual(['bob']);
    await barrier(bob!, 1);
    expect(bob!.pending('join')).toEqual([]);

    // A list without the token, or with another, does not complete it.
    await alice.sendWith({ kind: 'list', epoch: 0, version: 0 });
    expect(await alice.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED });
    await alice.sendWith({ kind: 'list', epoch: 0, version: 0 }, { token: new Uint8Array(TOKEN_BYTES).fill(1) });
    expect(await alice.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED });
    expect(alice.pending('contacts')).toEqual([]);

    alice.token = welcome.token;
    await alice.send({ kind: 'list', epoch: 0, version: 0 });
    expect(await alice.next('contacts')).toMatchObject({ kind: 'contacts', page: 0, pages: 1, contacts: [{ name: 'bob', type: 'client' }] });
    expect(await bob!.next('join')).toMatchObject({ kind: 'join', name: 'alice', type: 'client' });
    expect(relay.stats()).toMatchObject({ contacts: 2, pending: 0 });
    // Every later datagram carries the token; a list again repairs the contact list.
    await alice.send({ kind: 'list', epoch: 0, version: 0 });
    expect(await alice.next('contacts')).toMatchObject({ contacts: [{ name: 'bob' }] });
    expect(bob!.pending('join')).toEqual([]);
  });

  it('answers a repeated hello while pending with the same token, and a new name with a new one', async () => {
    const relay = await testRelay();
    const alice = await peerOf(relay);
    await alice.hello('alice');
    const first = await alice.next('welcome');
    await alice.hello('ALICE');
    const second = await alice.next('welcome');
    expect(second.token).toEqual(first.token);
    await alice.hello('alicia');
    const third = await alice.next('welcome');
    expect(third).toMatchObject({ name: 'alicia' });
    expect(third.token).not.toEqual(first.token);
    // Only the latest pending registration counts.
    alice.token = first.token;
    await alice.send({ kind: 'list', epoch: 0, version: 0 });
    expect(await alice.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED });
    alice.token = third.token;
    await alice.send({ kind: 'list', epoch: 0, version: 0 });
    await alice.next('contacts');
    expect(relay.contacts().map((c) => c.name)).toEqual(['alicia']);
  });

  it('completes registration with any datagram carrying the token (a heartbeat here)', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const alice = await peerOf(relay);
    await alice.hello('alice');
    alice.token = (await alice.next('welcome')).token;
    await alice.send({ kind: 'heartbeat', seq: 3 });
    expect(await alice.next('heartbeat-ack')).toMatchObject({ kind: 'heartbeat-ack', seq: 3 });
    expect(await bob!.next('join')).toMatchObject({ name: 'alice' });
    expect(alice.pending('contacts')).toEqual([]); // pages answer a list only
  });

  it('forgets a pending registration on a bye with its token, without a join or a leave', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const alice = await peerOf(relay);
    await alice.hello('alice');
    alice.token = (await alice.next('welcome')).token;
    await alice.send({ kind: 'bye', reason: 'changed my mind' });
    await until(() => relay.stats().pending === 0, 'the pending registration to go');
    await barrier(bob!, 1);
    expect(bob!.inbox).toEqual([]);
    expect(relay.contactCount).toBe(1);
  });

  it('does not hold a pending name against anyone: the first to complete gets it, the other NAME_TAKEN', async () => {
    const relay = await testRelay();
    const one = await peerOf(relay);
    const two = await peerOf(relay);
    await one.hello('neo');
    one.token = (await one.next('welcome')).token;
    await two.hello('NEO');
    two.token = (await two.next('welcome')).token;
    await two.send({ kind: 'list', epoch: 0, version: 0 });
    await two.next('contacts');
    await one.send({ kind: 'list', epoch: 0, version: 0 });
    expect(await one.next('error')).toMatchObject({ code: ERROR_CODES.NAME_TAKEN });
    expect(relay.contacts().map((c) => [c.name, c.port])).toEqual([['NEO', two.port]]);
  });

  it('gives a new token when a client registers again after its registration was lost', async () => {
    const relay = await testRelay({ presenceTimeoutMs: 300, sweepIntervalMs: 50 });
    const [alice] = await registered(relay, 'alice');
    const old = alice!.token;
    await until(() => relay.contactCount === 0, 'alice to expire', 5000);
    await alice!.send({ kind: 'heartbeat', seq: 9 }); // with the old token: 25 bytes, the bare error fits
    expect(await alice!.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED });
    const again = await alice!.register('alice');
    expect(again.welcome.token).not.toEqual(old);
  });
});

describe('PendingTable', () => {
  it('expires after PENDING_TIMEOUT_MS, is bounded, and keeps the per-IP count', () => {
    const ips = new IpCount();
    const table = new PendingTable(2, ips);
    const a = table.add('a', { address: '10.0.0.1', port: 1 }, 0);
    table.add('b', { address: '10.0.0.1', port: 2 }, 1000);
    expect(ips.get('10.0.0.1')).toBe(2);
    // Full: a third pushes out the oldest.
    table.add('c', { address: '10.0.0.2', port: 3 }, 2000);
    expect(table.at('10.0.0.1:1')).toBeUndefined();
    expect(table.remove(a)).toBe(false);
    expect([ips.get('10.0.0.1'), ips.get('10.0.0.2')]).toEqual([1, 1]);
    // The same address again: replaced, counted once.
    table.add('c2', { address: '10.0.0.2', port: 3 }, 2500);
    expect(ips.get('10.0.0.2')).toBe(1);
    expect(table.expire(1000 + PENDING_TIMEOUT_MS).map((p) => p.name)).toEqual([]);
    expect(table.expire(1001 + PENDING_TIMEOUT_MS).map((p) => p.name)).toEqual(['b']);
    expect(table.expire(2501 + PENDING_TIMEOUT_MS).map((p) => p.name)).toEqual(['c2']);
    expect([table.size, ips.size]).toEqual([0, 0]);
  });
});

describe('spoofing a registered address (PROTOCOL.md §6.1)', () => {
  it('drops everything from alice’s address and port without her token: nothing reaches bob, alice stays', async () => {
    const relay = await testRelay();
    // alice on a port below the ephemeral range: between her close and the forger's bind below, no
    // port-0 socket of another test file can take it (seen in CI: EADDRINUSE on her ephemeral port).
    const alice = await peerOf(relay, { port: await freeUdpPort() });
    await alice.register('alice');
    const [bob] = await registered(relay, 'bob');
    const port = alice.port;
    const token = alice.token!;
    await alice.close();
    // The port is free again: a forger binds alice's very address and port.
    const forger = await whileInUse(() => TestPeer.open(relay.address, { port }));
    try {
      expect(forger.port).toBe(port);
      const before = relay.stats();
      const wrong = new Uint8Array(TOKEN_BYTES).fill(0xaa);
      const forged: Message[] = [
        chat('bob', 'send me your password', { from: 'alice' }),
        chat('all', 'alice says hi to all'),
        { kind: 'heartbeat', seq: 1 },
        { kind: 'hello', name: 'mallory' },
        { kind: 'hello', name: 'alice' },
        { kind: 'list', epoch: 0, version: 0 },
        { kind: 'ack', from: 'alice', to: 'bob', group: false, epoch: 1, upTo: 9, ranges: [] },
        { kind: 'bye', reason: 'gone' },
      ];
      for (const m of forged) {
        const message = m.kind === 'hello' ? paddedHello(m.name) : m;
        await forger.sendWith(message); // no token
        await forger.sendWith(message, { token: wrong }); // another token
      }
      const n = forged.length * 2;
      const after = await until(() => {
        const s = relay.stats();
        return s.datagramsIn - before.datagramsIn === n && s;
      }, `${n} forged datagrams`);
      expect(after.unauthenticated - before.unauthenticated).toBe(n);
      expect(after.dropped['no-token']).toBe(forged.length);
      expect(after.dropped['bad-token']).toBe(forged.length);
      expect(after.accepted).toBe(before.accepted);
      expect(after.datagramsOut).toBe(before.datagramsOut); // never answered: it may be forged
      expect(addsUp(after)).toBe(true);

      // alice is still registered, under her name, at her address; bob heard nothing.
      expect(relay.contacts().map((c) => [c.name, c.port])).toEqual([
        ['alice', port],
        ['bob', bob!.port],
      ]);
      await barrier(bob!, 1);
      expect(bob!.inbox).toEqual([]);
      expect(forger.inbox).toEqual([]);

      // Whoever holds the token is alice (a client whose socket was reopened on the same port).
      forger.token = token;
      await forger.send(chat('bob', 'it is really me'));
      expect(await bob!.next('chat')).toMatchObject({ from: 'alice', text: 'it is really me' });
      expect(await forger.next('relay-ack')).toMatchObject({ recipients: 1 });
    } finally {
      await forger.close();
    }
  });

  it('does not let a hello with a wrong token take over a name (NAME_TAKEN), nor a token from another address speak', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const mallory = await peerOf(relay);
    mallory.token = new Uint8Array(TOKEN_BYTES).fill(3);
    await mallory.hello('alice');
    expect(await mallory.next('error')).toMatchObject({ code: ERROR_CODES.NAME_TAKEN });
    // bob's token from mallory's address: that address is not registered.
    mallory.token = bob!.token;
    await mallory.send(chat('alice', 'I am bob'));
    expect(await mallory.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED });
    await barrier(alice!, 1);
    expect(alice!.pending('chat')).toEqual([]);
    expect(mallory.bytesReceived).toBeLessThanOrEqual(mallory.bytesSent);
  });
});

describe('moving to a new address (PROTOCOL.md §6.1)', () => {
  it('a hello with the token from a new address gets a new token; after its list the contact lives there, without leave or join', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await alice!.next('join'); // bob
    const moved = await peerOf(relay);
    moved.token = alice!.token;
    await moved.hello('alice');
    const welcome = await moved.next('welcome');
    expect(welcome).toMatchObject({ name: 'alice', port: moved.port });
    expect(welcome.token).not.toEqual(alice!.token);
    // Not moved yet: the old address still speaks for alice.
    expect(relay.contacts().find((c) => c.name === 'alice')?.port).toBe(alice!.port);
    moved.token = welcome.token;
    await moved.send({ kind: 'list', epoch: 0, version: 0 });
    expect(await moved.next('contacts')).toMatchObject({ contacts: [{ name: 'bob' }] });
    expect(relay.contacts().map((c) => [c.name, c.port])).toEqual([
      ['alice', moved.port],
      ['bob', bob!.port],
    ]);
    await moved.send(chat('bob', 'from my new address'));
    expect(await bob!.next('chat')).toMatchObject({ from: 'alice', text: 'from my new address' });
    expect(bob!.pending('leave')).toEqual([]);
    expect(bob!.pending('join')).toEqual([]);
    // The old address is a stranger now.
    await alice!.send(chat('bob', 'old address'));
    expect(await alice!.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED });
  });
});

describe('anti-amplification (PROTOCOL.md §6.1)', () => {
  it('does not answer an unpadded hello (the welcome would be bigger) and counts it', async () => {
    const relay = await testRelay();
    const peer = await peerOf(relay);
    const hello = encode({ kind: 'hello', name: 'alice' });
    await peer.sendRaw(hello);
    const s = await until(() => relay.stats().datagramsIn === 1 && relay.stats(), 'the hello');
    // Handled synchronously on arrival: had anything been sent, it would be counted by now.
    expect(s.datagramsOut).toBe(0);
    expect(s.notSent).toEqual({ amplification: 1 });
    expect(s.pending).toBe(1); // pending all the same: a padded repeat gets the same token
    await peer.hello('alice');
    expect(await peer.next('welcome')).toMatchObject({ name: 'alice' });
    expect(peer.bytesReceived).toBeLessThanOrEqual(peer.bytesSent);
  });

  it('shortens an error to what was received, or sends none', async () => {
    const relay = await testRelay();
    await registered(relay, 'alice');
    const peer = await peerOf(relay);
    // A taken name in a small hello: 6 + 5 bytes; even the bare error is bigger.
    await peer.sendRaw(encode({ kind: 'hello', name: 'alice' }));
    await until(() => relay.stats().notSent.amplification === 1, 'the error to be withheld');
    // In a padded hello: the whole error fits.
    await peer.hello('alice');
    expect(await peer.next('error')).toMatchObject({ code: ERROR_CODES.NAME_TAKEN, message: 'name "alice" is taken' });
    // A chat with a token from this unregistered address: NOT_REGISTERED, never more than it sent in all.
    const other = await peerOf(relay);
    other.token = new Uint8Array(TOKEN_BYTES).fill(9);
    for (let i = 0; i < 5; i++) await other.send(chat('alice', `x${i}`));
    for (let i = 0; i < 5; i++) expect(await other.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED });
    expect(other.bytesReceived).toBeLessThanOrEqual(other.bytesSent);
    expect(peer.bytesReceived).toBeLessThanOrEqual(peer.bytesSent);
  });
});
