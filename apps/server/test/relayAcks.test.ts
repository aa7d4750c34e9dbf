/**
 * Held relay-acks (PROTOCOL.md §4.11): a numbered direct chat to a protocol
 * client gets its relay-ack only when the recipient's covering ack has not
 * passed back within 80 ms; everything else at once. On the relay core with
 * a virtual clock (exact times without sleeping), through both the fast path
 * and the slow path; the ring's overflow on the scheduler itself.
 */
import { describe, expect, it } from 'vitest';
import { RELAY_ACK_DELAY_MS, type Message } from '@udpchat/protocol';
import { RelayAckScheduler } from '../src/rules/relayAcks.js';
import type { Contact } from '../src/state/contacts.js';
import { CoreDriver } from './helpers/core.js';
import { MAX_PUSH_GAP_MS } from '../src/rules/presence.js';

const ALICE = 41_001;
const BOB = 41_002;
const CAROL = 41_003;
const PLAIN = 41_009;

const chat = (to: string, seq: number, id = `m${seq}`, epoch = 7): Message => ({ kind: 'chat', id, from: '', to, epoch, seq, base: 1, time: 1, text: 'hi' });
const ack = (to: string, upTo: number, ranges: Array<[number, number]> = [], group = false, epoch = 7): Message => ({ kind: 'ack', from: '', to, group, epoch, upTo, ranges });

/** The relay-acks sent to alice since `from`. */
function relayAcks(d: CoreDriver, from: number): unknown[] {
  return d.messagesSince(from).filter((m) => m.port === ALICE && m.message.kind === 'relay-ack').map((m) => m.message);
}

for (const fastPath of [true, false]) {
  describe(`held relay-acks (${fastPath ? 'fast path' : 'slow path'})`, () => {
    const relay = (): CoreDriver => {
      const d = new CoreDriver({ fastPath });
      d.register(ALICE, 'alice');
      d.register(BOB, 'bob');
      d.register(CAROL, 'carol');
      d.advance(MAX_PUSH_GAP_MS); // the joins the push pacing held back go out now, not amid a test
      return d;
    };

    it('sends none when the recipient\'s ack covering the chat passes back within 80 ms', () => {
      const d = relay();
      const from = d.sent.length;
      d.send(ALICE, chat('bob', 1));
      d.advance(RELAY_ACK_DELAY_MS - 1);
      d.send(BOB, ack('alice', 1));
      d.advance(1000);
      expect(relayAcks(d, from)).toEqual([]);
      // The ack itself went to alice.
      expect(d.messagesSince(from).filter((m) => m.port === ALICE).map((m) => m.message.kind)).toEqual(['ack']);
    });

    it('sends it 80 ms after forwarding when no ack came, and not before', () => {
      const d = relay();
      const from = d.sent.length;
      d.send(ALICE, chat('bob', 1, 'V1StGXR8_Z5jdHi6B-myT'));
      d.advance(RELAY_ACK_DELAY_MS - 1);
      expect(relayAcks(d, from)).toEqual([]);
      d.advance(1);
      expect(relayAcks(d, from)).toEqual([{ kind: 'relay-ack', id: 'V1StGXR8_Z5jdHi6B-myT', recipients: 1 }]);
    });

    it('counts an ack by its ranges, and not one that does not cover the chat', () => {
      const d = relay();
      const from = d.sent.length;
      d.send(ALICE, chat('bob', 3));
      d.send(ALICE, chat('bob', 5));
      d.send(BOB, ack('alice', 1, [[5, 6]])); // 5 in a range, 3 not covered
      d.advance(RELAY_ACK_DELAY_MS);
      expect(relayAcks(d, from)).toEqual([{ kind: 'relay-ack', id: 'm3', recipients: 1 }]);
    });

    it('does not count an ack that came before the chat (a retransmission of an acked chat)', () => {
      const d = relay();
      d.send(ALICE, chat('bob', 1));
      d.send(BOB, ack('alice', 1));
      d.advance(1000);
      const from = d.sent.length;
      d.send(ALICE, chat('bob', 1)); // alice missed the ack and sends it again
      d.advance(RELAY_ACK_DELAY_MS);
      expect(relayAcks(d, from)).toEqual([{ kind: 'relay-ack', id: 'm1', recipients: 1 }]);
    });

    it('does not let a group ack or another contact\'s ack stand in', () => {
      const d = relay();
      const from = d.sent.length;
      d.send(ALICE, chat('bob', 1));
      d.send(BOB, ack('alice', 9, [], true)); // bob acks alice's group conversation
      d.send(CAROL, ack('alice', 9)); // carol acks her own direct conversation with alice
      d.advance(RELAY_ACK_DELAY_MS);
      expect(relayAcks(d, from)).toEqual([{ kind: 'relay-ack', id: 'm1', recipients: 1 }]);
    });

    it('does not let a late ack of an earlier conversation epoch cover a chat of the new one', () => {
      const d = relay();
      d.send(ALICE, chat('bob', 5, 'old5'));
      d.advance(RELAY_ACK_DELAY_MS);
      const from = d.sent.length;
      d.send(ALICE, chat('bob', 1, 'new1', 8)); // alice restarted: a new epoch, numbered from 1 again
      d.send(BOB, ack('alice', 5)); // bob's late ack of epoch 7 (upTo 5 ≥ 1, but another conversation)
      d.advance(RELAY_ACK_DELAY_MS);
      expect(relayAcks(d, from)).toEqual([{ kind: 'relay-ack', id: 'new1', recipients: 1 }]);
    });

    it('counts the new epoch\'s ack although its upTo is below the old epoch\'s', () => {
      const d = relay();
      d.send(ALICE, chat('bob', 9, 'old9'));
      d.send(BOB, ack('alice', 9));
      d.advance(1000);
      const from = d.sent.length;
      d.send(ALICE, chat('bob', 1, 'new1', 8));
      d.send(BOB, ack('alice', 1, [], false, 8));
      d.advance(RELAY_ACK_DELAY_MS);
      expect(relayAcks(d, from)).toEqual([]);
    });

    it('answers group chats and unnumbered chats at once', () => {
      const d = relay();
      const from = d.sent.length;
      d.send(ALICE, chat('all', 1, 'g1'));
      d.send(ALICE, chat('bob', 0, 'u0'));
      expect(relayAcks(d, from)).toEqual([
        { kind: 'relay-ack', id: 'g1', recipients: 2 },
        { kind: 'relay-ack', id: 'u0', recipients: 1 },
      ]);
    });

    it('answers a chat to a plain-text peer at once (it cannot ack)', () => {
      const d = relay();
      d.receive(PLAIN, new TextEncoder().encode('@nobody hi\n'));
      const from = d.sent.length;
      d.send(ALICE, chat(`127.0.0.1:${PLAIN}`, 1, 'p1'));
      expect(relayAcks(d, from)).toEqual([{ kind: 'relay-ack', id: 'p1', recipients: 0 }]);
    });

    it('sends nothing to a sender that left before its relay-ack was due', () => {
      const d = relay();
      d.send(ALICE, chat('bob', 1));
      d.send(ALICE, { kind: 'bye', reason: '' });
      const from = d.sent.length;
      d.advance(1000);
      expect(relayAcks(d, from)).toEqual([]);
      expect(d.core.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
    });

    it('says when it must be woken: the oldest held relay-ack\'s deadline', () => {
      const d = relay();
      expect(d.core.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
      d.t = 10;
      d.send(ALICE, chat('bob', 1));
      d.t = 30;
      d.send(ALICE, chat('bob', 2));
      expect(d.core.nextDeadline()).toBe(10 + RELAY_ACK_DELAY_MS);
    });
  });
}

describe('RelayAckScheduler', () => {
  const contact = (name: string, port: number): Contact =>
    ({ name, key: name, endpointKey: `127.0.0.1:${port}`, endpoint: { address: '127.0.0.1', port } }) as unknown as Contact;
  const id = (text: string) => new TextEncoder().encode(text);

  it('sends the oldest at once when full (or drops it if an ack covered it)', () => {
    const s = new RelayAckScheduler(80, 2);
    const alice = contact('alice', 1);
    const bob = contact('bob', 2);
    const sent: string[] = [];
    const send = (_: Contact, chatId: string) => void sent.push(chatId);
    s.hold(alice, bob, 7, 1, id('a1'), 0, 2, 0, send);
    s.hold(alice, bob, 7, 2, id('a2'), 0, 2, 1, send);
    s.hold(alice, bob, 7, 3, id('a3'), 0, 2, 2, send); // full: a1 goes now
    expect(sent).toEqual(['a1']);
    s.ackPassedRanges(alice, bob, 7, 2, [], 3);
    s.hold(alice, bob, 7, 4, id('a4'), 0, 2, 4, send); // full: a2 is covered, dropped
    expect(sent).toEqual(['a1']);
    expect(s.size).toBe(2);
    s.flush(1000, send);
    expect(sent).toEqual(['a1', 'a3', 'a4']);
    expect(s.size).toBe(0);
  });

  it('keeps the newest ack of a conversation: a late one with a lower upTo does not undo it', () => {
    const s = new RelayAckScheduler(80, 8);
    const alice = contact('alice', 1);
    const bob = contact('bob', 2);
    const sent: string[] = [];
    const send = (_: Contact, chatId: string) => void sent.push(chatId);
    s.hold(alice, bob, 7, 5, id('a5'), 0, 2, 0, send);
    s.ackPassedRanges(alice, bob, 7, 5, [], 1);
    s.ackPassedRanges(alice, bob, 7, 2, [], 2); // reordered, older
    s.flush(80, send);
    expect(sent).toEqual([]);
  });
});
