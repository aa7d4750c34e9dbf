/**
 * Offline messages, store and forward (PROTOCOL.md §6.6), over real UDP
 * sockets with raw protocol peers: a chat to a reserved name that is offline
 * is stored (`stored`), delivered in order when it comes back with its key,
 * retransmitted until acked, turned into a receipt handed to its sender even
 * after the sender was away; bounds refuse the newest with OFFLINE_FULL;
 * groups are not stored; a name never seen fails at once.
 */
import { describe, expect, it } from 'vitest';
import { type ChatMessage } from '@udpchat/protocol';
import { chat } from './helpers/peer.js';
import { peerOf, testRelay } from './helpers/relay.js';
import { newKey, registerWithKey } from './helpers/identity.js';



/** A relay where bob (keyed) registered once and left: his name is reserved, he is offline. */
async function bobReservedAndGone(options: Parameters<typeof testRelay>[0] = {}) {
  const relay = await testRelay(options);
  const bobKey = newKey();
  const bob = await peerOf(relay);
  await registerWithKey(bob, 'bob', bobKey);
  await bob.send({ kind: 'bye', reason: '' });
  return { relay, bobKey };
}

describe('offline messages (PROTOCOL.md §6.6)', () => {
  it('stores a direct chat to an offline reserved name, delivers it in order when it comes back, and the sender gets its receipt even after being away', async () => {
    const { relay, bobKey } = await bobReservedAndGone();
    const aliceKey = newKey();
    const alice = await peerOf(relay);
    await registerWithKey(alice, 'alice', aliceKey);
    const sent: ChatMessage[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const m = chat('bob', `offline ${seq}`, { seq, base: seq });
      sent.push(m);
      await alice.send(m);
      expect(await alice.next('stored', (s) => s.id === m.id)).toEqual({ kind: 'stored', id: m.id, to: 'bob' });
    }
    await alice.send(sent[1]!); // a retransmission: stored again, not twice
    await alice.next('stored', (s) => s.id === sent[1]!.id);
    expect(alice.pending('relay-ack')).toEqual([]);
    await alice.send({ kind: 'bye', reason: '' }); // the sender goes away meanwhile
    const bob = await peerOf(relay);
    await registerWithKey(bob, 'bob', bobKey);
    const got = [await bob.next('chat'), await bob.next('chat'), await bob.next('chat')];
    expect(got.map((m) => [m.id, m.from, m.to, m.text, m.seq, m.base])).toEqual(sent.map((m) => [m.id, 'alice', 'bob', m.text, m.seq, 1]));
    // no ack yet: retransmitted (every 1 s)
    expect((await bob.next('chat', (m) => m.id === sent[0]!.id, 5000)).text).toBe('offline 1');
    await bob.send({ kind: 'ack', from: '', to: 'alice', group: false, epoch: 0, upTo: 3, ranges: [] });
    // alice comes back: the receipts by id
    const back = await peerOf(relay);
    await registerWithKey(back, 'alice', aliceKey);
    const receipts = [await back.next('receipt'), await back.next('receipt'), await back.next('receipt')];
    expect(receipts.map((r) => r.id).sort()).toEqual(sent.map((m) => m.id).sort());
    expect(receipts.every((r) => r.by === 'bob')).toBe(true);
    for (const r of receipts) await back.send({ kind: 'receipt-ack', id: r.id });
    // taken: not handed over again at the next registration
    await back.send({ kind: 'bye', reason: '' });
    const again = await peerOf(relay);
    await registerWithKey(again, 'alice', aliceKey);
    await again.send({ kind: 'heartbeat', seq: 9 });
    await again.next('heartbeat-ack');
    expect(again.pending('receipt')).toEqual([]);
  });

  it('an online sender gets the receipt at once when the recipient acks', async () => {
    const { relay, bobKey } = await bobReservedAndGone();
    const alice = await peerOf(relay);
    await registerWithKey(alice, 'alice', newKey());
    const m = chat('bob', 'hi', { seq: 1, base: 1 });
    await alice.send(m);
    await alice.next('stored');
    const bob = await peerOf(relay);
    await registerWithKey(bob, 'bob', bobKey);
    expect((await bob.next('chat')).id).toBe(m.id);
    await bob.send({ kind: 'ack', from: '', to: 'alice', group: false, epoch: 0, upTo: 1, ranges: [] });
    expect(await alice.next('receipt')).toEqual({ kind: 'receipt', id: m.id, by: 'bob' });
    expect((await alice.next('ack')).from).toBe('bob'); // and the ack itself, as always
  });

  it('past the bound the newest is refused with OFFLINE_FULL (never silently dropped); a name never seen fails at once; groups are not stored', async () => {
    const { relay } = await bobReservedAndGone({ offlineLimits: { maxMessages: 2, maxBytes: 10 } });
    const alice = await peerOf(relay);
    await alice.register('alice');
    const ok1 = chat('bob', 'abcd', { seq: 1, base: 1 });
    const ok2 = chat('bob', 'efgh', { seq: 2, base: 1 });
    await alice.send(ok1);
    await alice.next('stored');
    const tooBig = chat('bob', 'ijklmnopq', { seq: 3, base: 1 }); // 4 + 9 > 10 bytes
    await alice.send(tooBig);
    const e1 = await alice.next('error');
    expect([e1.code, e1.ref]).toEqual(['OFFLINE_FULL', tooBig.id]);
    expect(e1.message).toContain('bytes (at most 10)');
    await alice.send(ok2);
    await alice.next('stored');
    const third = chat('bob', 'x', { seq: 4, base: 1 });
    await alice.send(third);
    const e2 = await alice.next('error');
    expect([e2.code, e2.ref]).toEqual(['OFFLINE_FULL', third.id]);
    expect(e2.message).toBe('bob is offline and has 2 messages (at most 2) waiting at the relay: not stored');
    await alice.send(ok2); // a retransmission of a stored one is still fine at the bound
    await alice.next('stored', (s) => s.id === ok2.id);
    const stranger = chat('zed', 'hi', { seq: 1, base: 1 });
    await alice.send(stranger);
    const e3 = await alice.next('error');
    expect([e3.code, e3.ref]).toEqual(['UNKNOWN_CONTACT', stranger.id]);
    const group = chat('all', 'to everyone', { seq: 1, base: 1 });
    await alice.send(group);
    expect(await alice.next('relay-ack')).toEqual({ kind: 'relay-ack', id: group.id, recipients: 0 });
    expect(alice.pending('stored')).toEqual([]);
  });
});
