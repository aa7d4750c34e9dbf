import { ERROR_CODES, type Message } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { chat } from './helpers/peer.js';
import { peerOf, registered, testRelay } from './helpers/relay.js';
import { until } from './helpers/wait.js';

const isChat = (m: Message) => m.kind === 'chat';

describe('routing chat', () => {
  it('delivers a direct message only to its target, from the registered name', async () => {
    const relay = await testRelay();
    const [alice, bob, carol] = await registered(relay, 'alice', 'Bob', 'carol');
    const message = chat('bob', '你好 👋', { from: 'alice' });
    await alice!.send(message);
    expect(await bob!.next('chat')).toEqual({ ...message, from: 'alice', to: 'Bob' });
    // carol got nothing: the first chat she receives is the one sent to her afterwards.
    await alice!.send(chat('carol', 'only for carol'));
    expect(await carol!.nextMatching(isChat)).toMatchObject({ text: 'only for carol', from: 'alice' });
    // and alice got no echo of her own direct messages.
    await bob!.send(chat('alice', 'reply'));
    expect(await alice!.nextMatching(isChat)).toMatchObject({ text: 'reply', from: 'Bob' });
  });

  it('delivers a group message to everyone but the sender, with to = all', async () => {
    const relay = await testRelay();
    const [alice, bob, carol] = await registered(relay, 'alice', 'bob', 'carol');
    const message = chat('ALL', 'hello everyone');
    await bob!.send(message);
    for (const peer of [alice!, carol!]) {
      expect(await peer.next('chat')).toEqual({ ...message, from: 'bob', to: 'all' });
    }
    await alice!.send(chat('bob', 'second'));
    expect(await bob!.nextMatching(isChat)).toMatchObject({ text: 'second', from: 'alice' });
  });

  it('overwrites a spoofed from with the name registered for the source address', async () => {
    const relay = await testRelay();
    const [mallory, bob] = await registered(relay, 'mallory', 'bob');
    await mallory!.send(chat('bob', 'trust me', { from: 'alice' }));
    expect(await bob!.next('chat')).toMatchObject({ from: 'mallory', text: 'trust me' });
    await mallory!.send(chat('all', 'me too', { from: 'bob' }));
    expect(await bob!.next('chat')).toMatchObject({ from: 'mallory', to: 'all' });
  });

  it('allows a message to oneself', async () => {
    const relay = await testRelay();
    const [alice] = await registered(relay, 'alice');
    await alice!.send(chat('ALICE', 'note to self'));
    expect(await alice!.next('chat')).toMatchObject({ from: 'alice', to: 'alice', text: 'note to self' });
  });

  it('answers a message to an unknown contact with UNKNOWN_CONTACT and the chat id', async () => {
    const relay = await testRelay();
    const [alice] = await registered(relay, 'alice');
    const message = chat('nobody', 'hello?');
    await alice!.send(message);
    expect(await alice!.next('error')).toEqual({
      kind: 'error',
      code: ERROR_CODES.UNKNOWN_CONTACT,
      message: 'nobody is not online',
      ref: message.id,
    });
  });

  it('refuses an empty text with EMPTY_TEXT and relays nothing', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const empty = chat('bob', '');
    await alice!.send(empty);
    expect(await alice!.next('error')).toMatchObject({ code: ERROR_CODES.EMPTY_TEXT, ref: empty.id });
    await alice!.send(chat('bob', 'not empty'));
    expect(await bob!.nextMatching(isChat)).toMatchObject({ text: 'not empty' });
  });

  it('answers chat, heartbeat and list from an unregistered address with NOT_REGISTERED, within what it sent', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const stranger = await peerOf(relay);
    const message = chat('bob', 'hi', { from: 'bob' });
    await stranger.send(message);
    expect(await stranger.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED, ref: message.id });
    // A heartbeat with a token (a client whose relay restarted): 25 bytes, the error without its text fits.
    stranger.token = new Uint8Array(16).fill(7);
    await stranger.send({ kind: 'heartbeat', seq: 7 });
    expect(await stranger.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED, message: '', ref: '' });
    await stranger.send({ kind: 'list', epoch: 0, version: 0 });
    expect(await stranger.next('error')).toMatchObject({ code: ERROR_CODES.NOT_REGISTERED, ref: '' });
    expect(stranger.pending('heartbeat-ack')).toEqual([]);
    expect(bob!.pending('chat')).toEqual([]);
    expect(relay.stats().refused).toEqual({ NOT_REGISTERED: 3 });
    // Anti-amplification: never more bytes back than it sent.
    expect(stranger.bytesReceived).toBeLessThanOrEqual(stranger.bytesSent);
  });

  it('acks a heartbeat with the same seq', async () => {
    const relay = await testRelay();
    const [alice] = await registered(relay, 'alice');
    await alice!.send({ kind: 'heartbeat', seq: 0xffff_ffff });
    expect(await alice!.next('heartbeat-ack')).toMatchObject({ kind: 'heartbeat-ack', seq: 0xffff_ffff });
  });

  it('drops relay-only kinds from clients without answering them', async () => {
    const relay = await testRelay();
    const [alice] = await registered(relay, 'alice');
    const before = relay.stats();
    const unexpected: Message[] = [
      { kind: 'error', code: 'X', message: 'loop?', ref: '' },
      { kind: 'welcome', name: 'x', address: '1.2.3.4', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: new Uint8Array(16), hostedByClient: false },
      { kind: 'contacts', epoch: 1, version: 0, page: 0, pages: 1, contacts: [] },
      { kind: 'join', epoch: 1, version: 1, name: 'x', type: 'client' },
      { kind: 'leave', epoch: 1, version: 2, name: 'x', reason: 'bye' },
      { kind: 'heartbeat-ack', seq: 1, epoch: 1, version: 2 },
      { kind: 'rename', epoch: 1, version: 3, from: 'alice', name: 'mallory' },
      { kind: 'roster-delta', epoch: 1, from: 3, version: 3, changes: [] },
    ];
    for (const m of unexpected) await alice!.send(m);
    await alice!.send({ kind: 'heartbeat', seq: 1 });
    await alice!.next('heartbeat-ack');
    // Nothing else came back: the ack was the only answer.
    expect(alice!.inbox).toEqual([]);
    const after = await until(() => {
      const s = relay.stats();
      return s.datagramsIn === before.datagramsIn + 9 && s;
    }, 'the relay to count 9 datagrams');
    expect(after.dropped).toEqual({});
    expect(after.ignored).toEqual({ unexpected: 8 });
    expect(relay.contacts().map((c) => c.name)).toEqual(['alice']);
    expect(after.datagramsOut - before.datagramsOut).toBe(1);
  });
});

describe('delivery acknowledgements through the relay', () => {
  it('answers every relayed chat with a relay-ack counting the protocol recipients', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob', 'carol');
    const direct = chat('bob', 'one', { epoch: 0xdeadbeef, seq: 1, base: 1 });
    await alice!.send(direct);
    expect(await alice!.next('relay-ack')).toEqual({ kind: 'relay-ack', id: direct.id, recipients: 1 });
    const group = chat('all', 'two', { seq: 1, base: 1 });
    await alice!.send(group);
    expect(await alice!.next('relay-ack')).toEqual({ kind: 'relay-ack', id: group.id, recipients: 2 });
    expect(await bob!.next('chat')).toMatchObject({ id: direct.id, epoch: 0xdeadbeef, seq: 1, base: 1 }); // forwarded unchanged
  });

  it('forwards an ack to the conversation sender with from = the acker, and drops acks to nobody', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await bob!.send({ kind: 'ack', from: 'mallory', to: 'ALICE', group: false, epoch: 0xfeedface, upTo: 3, ranges: [[5, 6]] });
    expect(await alice!.next('ack')).toEqual({ kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 0xfeedface, upTo: 3, ranges: [[5, 6]] });
    await bob!.send({ kind: 'ack', from: '', to: 'nobody', group: true, epoch: 1, upTo: 1, ranges: [] });
    await until(() => relay.stats().ignored['ack-unknown-contact'] === 1, 'the ack to nobody to be dropped');
    // No answer to an ack, ever: the next thing bob gets is the answer to its heartbeat.
    await bob!.send({ kind: 'heartbeat', seq: 77 });
    expect(await bob!.nextMatching(() => true)).toMatchObject({ kind: 'heartbeat-ack', seq: 77 });
  });
});
