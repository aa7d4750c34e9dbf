/**
 * The delivery engine without sockets: RTO estimation (RFC 6298), the
 * sender's retransmission queue and the receiver's order/dedupe window.
 */
import { describe, expect, it } from 'vitest';
import type { AckMessage, ChatMessage } from '@udpchat/protocol';
import { Inbox } from '../src/net/delivery/inbox.js';
import { Outbox, OutboxFullError } from '../src/net/delivery/outbox.js';
import { backoff, RtoEstimator } from '../src/net/delivery/rto.js';
import type { DeliveryState } from '../src/net/delivery/states.js';

const chat = (from: string, to: string, seq: number, base = 1, id = `${from}-${to}-${seq}`, epoch = 1): ChatMessage => ({
  kind: 'chat', id, from, to, epoch, seq, base, time: 0, text: `m${seq}`,
});

describe('RtoEstimator (RFC 6298 §2)', () => {
  it('starts at 500 ms, follows SRTT + 4·RTTVAR, and keeps within 100 ms .. 2 s', () => {
    const rto = new RtoEstimator();
    expect(rto.current).toBe(500);
    rto.sample(40); // SRTT 40, RTTVAR 20 -> 40 + 80 = 120
    expect(rto.current).toBe(120);
    rto.sample(40); // RTTVAR 15, SRTT 40 -> 100
    expect(rto.current).toBe(100);
    for (let i = 0; i < 20; i++) rto.sample(1);
    expect(rto.current).toBe(100); // floor
    rto.sample(10_000);
    expect(rto.current).toBe(2000); // cap
    expect(backoff(100)).toBe(200);
    expect(backoff(1500)).toBe(2000);
  });
});

describe('Outbox', () => {
  const make = (giveUpMs = 30_000) => {
    const states: Array<[string, DeliveryState]> = [];
    const outbox = new Outbox((m, s) => states.push([m.id, s]), { giveUpMs, maxPending: 100, newEpoch: () => 1 }, false);
    return { outbox, states, last: (id: string) => states.filter(([i]) => i === id).at(-1)?.[1] };
  };
  const base = { kind: 'chat' as const, from: 'alice', time: 0 };

  it('numbers per conversation, retransmits with backoff until acked, and reports delivered', () => {
    const { outbox, last } = make();
    const a = outbox.create({ ...base, id: 'a', to: 'bob', text: 'x' }, [], 0);
    const b = outbox.create({ ...base, id: 'b', to: 'bob', text: 'y' }, [], 0);
    const g = outbox.create({ ...base, id: 'g', to: 'all', text: 'z' }, ['bob', 'carol'], 0);
    expect([a.seq, b.seq, g.seq]).toEqual([1, 2, 1]);
    expect(outbox.due(0).map((m) => m.id)).toEqual(['a', 'b', 'g']);
    expect(outbox.due(499)).toEqual([]); // initial RTO 500 ms
    expect(outbox.due(500).map((m) => m.id)).toEqual(['a', 'b', 'g']);
    expect(outbox.due(1499)).toEqual([]); // doubled to 1000 ms
    outbox.onRelayAck('a', 1, 1500);
    expect(last('a')).toEqual({ state: 'at-relay', recipients: 1, acked: 0, final: false });
    // one cumulative ack covers a and b
    const ack: AckMessage = { kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 1, upTo: 2, ranges: [] };
    outbox.onAck(ack, 1600);
    expect(last('a')).toEqual({ state: 'delivered', delivered: 1, of: 1 });
    expect(last('b')).toEqual({ state: 'delivered', delivered: 1, of: 1 });
    outbox.onRelayAck('g', 2, 1600);
    outbox.onAck({ ...ack, group: true, epoch: 1, upTo: 1 }, 1700);
    expect(last('g')).toEqual({ state: 'at-relay', recipients: 2, acked: 1, final: false });
    outbox.onAck({ ...ack, from: 'carol', group: true, epoch: 1, upTo: 1 }, 1800);
    expect(last('g')).toEqual({ state: 'delivered', delivered: 2, of: 2 });
    expect(outbox.size).toBe(0);
  });

  it('waits for every recipient the relay counted, even one whose join this client missed', () => {
    const { outbox, last } = make();
    outbox.create({ ...base, id: 'g', to: 'all', text: 'x' }, ['bob'], 0); // carol's join was lost
    outbox.due(0);
    const ack: AckMessage = { kind: 'ack', from: 'bob', to: 'alice', group: true, epoch: 1, upTo: 1, ranges: [] };
    outbox.onAck(ack, 10); // before the relay-ack: not done
    expect(last('g')?.state).toBe('sending');
    outbox.onRelayAck('g', 2, 20);
    expect(last('g')).toEqual({ state: 'at-relay', recipients: 2, acked: 1, final: false });
    // base does not move past it while carol has not acked
    outbox.create({ ...base, id: 'h', to: 'all', text: 'y' }, ['bob'], 30);
    expect(outbox.due(30).find((m) => m.id === 'h')?.base).toBe(1);
    outbox.onAck({ ...ack, from: 'carol' }, 40);
    expect(last('g')).toEqual({ state: 'delivered', delivered: 2, of: 2 });
  });

  it('an acker who left no longer counts: after a relay restart the new count is of those online now (apps/sim seed 794)', () => {
    const { outbox, last } = make();
    outbox.create({ ...base, id: 'g', to: 'all', text: 'x' }, ['bob', 'carol'], 0);
    outbox.due(0);
    outbox.onRelayAck('g', 2, 10);
    outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: true, epoch: 1, upTo: 1, ranges: [] }, 20);
    outbox.onLeave('bob');
    // the relay restarted; the retransmission reached carol only: bob's old ack must not stand in for hers
    outbox.onRelayAck('g', 1, 5000);
    expect(last('g')?.state).toBe('at-relay');
    outbox.onAck({ kind: 'ack', from: 'carol', to: 'alice', group: true, epoch: 1, upTo: 1, ranges: [] }, 5010);
    expect(last('g')).toEqual({ state: 'delivered', delivered: 1, of: 1 });
  });

  it('a group message waits for every expected recipient by name: acks of others never stand in (apps/sim seed 33)', () => {
    const { outbox, last } = make();
    outbox.create({ ...base, id: 'g', to: 'all', text: 'x' }, ['bob', 'carol'], 0); // bob is not back at the restarted relay yet
    outbox.due(0);
    outbox.onRelayAck('g', 2, 10); // carol and dave (whose join was missed)
    const ack: AckMessage = { kind: 'ack', from: 'carol', to: 'alice', group: true, epoch: 1, upTo: 1, ranges: [] };
    outbox.onAck(ack, 20);
    outbox.onAck({ ...ack, from: 'dave' }, 30);
    // 2 acks for a count of 2, but bob, expected, has not acked: not delivered, base stays
    expect(last('g')).toEqual({ state: 'at-relay', recipients: 2, acked: 2, final: false });
    outbox.create({ ...base, id: 'h', to: 'all', text: 'y' }, ['bob', 'carol', 'dave'], 40);
    expect(outbox.due(40).find((m) => m.id === 'h')?.base).toBe(1);
    outbox.onAck({ ...ack, from: 'bob' }, 50);
    expect(last('g')).toEqual({ state: 'delivered', delivered: 3, of: 3 });
    // a recipient that left is no longer waited for
    outbox.onRelayAck('h', 3, 60);
    outbox.onAck({ ...ack, from: 'carol', upTo: 2 }, 70);
    outbox.onAck({ ...ack, from: 'dave', upTo: 2 }, 70);
    outbox.onLeave('bob');
    expect(last('h')).toEqual({ state: 'delivered', delivered: 2, of: 2 });
  });

  it('a leave the relay had not counted does not end a group message that an expected recipient has not acked (apps/sim seed 2749)', () => {
    const { outbox, last } = make();
    outbox.create({ ...base, id: 'g', to: 'all', text: 'x' }, ['bob', 'carol'], 0);
    outbox.due(0);
    outbox.onRelayAck('g', 1, 10); // carol had already quit: the relay counted bob only
    outbox.onLeave('carol');
    expect(last('g')).toEqual({ state: 'at-relay', recipients: 1, acked: 0, final: false });
    outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: true, epoch: 1, upTo: 1, ranges: [] }, 20);
    expect(last('g')).toEqual({ state: 'delivered', delivered: 1, of: 1 });
  });

  it('acks by selective ranges, and carries base = the lowest seq still pending', () => {
    const { outbox, last } = make();
    for (let i = 1; i <= 4; i++) outbox.create({ ...base, id: `m${i}`, to: 'bob', text: 'x' }, [], 0);
    outbox.due(0);
    outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 1, upTo: 0, ranges: [[2, 3]] }, 10);
    expect(last('m2')?.state).toBe('delivered');
    expect(last('m1')?.state).toBe('sending');
    const resent = outbox.due(10_000);
    expect(resent.map((m) => [m.seq, m.base])).toEqual([
      [1, 1],
      [4, 1],
    ]);
  });

  it('fails fast when the contact leaves or the relay refuses, and after 30 s of trying', () => {
    const { outbox, last } = make();
    outbox.create({ ...base, id: 'x', to: 'bob', text: 'x' }, [], 0);
    outbox.create({ ...base, id: 'y', to: 'carol', text: 'y' }, [], 0);
    outbox.create({ ...base, id: 'z', to: 'dave', text: 'z' }, [], 0);
    outbox.due(0);
    outbox.onLeave('Bob');
    expect(last('x')).toEqual({ state: 'failed', reason: 'Bob is offline' });
    outbox.fail('y', 'carol is not online');
    expect(last('y')).toEqual({ state: 'failed', reason: 'carol is not online' });
    for (let t = 0; t < 30_000; t += 100) outbox.due(t);
    expect(last('z')?.state).toBe('sending');
    outbox.due(30_000);
    expect(last('z')).toEqual({ state: 'failed', reason: 'no answer for 30 s' });
  });

  it('while paused sends nothing and stops the give-up clock; resume sends everything at once', () => {
    const { outbox, last } = make();
    outbox.create({ ...base, id: 'p', to: 'bob', text: 'x' }, [], 0);
    outbox.due(0);
    outbox.pause(1000);
    expect(outbox.due(40_000)).toEqual([]);
    outbox.resume(60_000);
    expect(outbox.due(60_000).map((m) => m.id)).toEqual(['p']);
    outbox.due(60_000 + 28_000);
    expect(last('p')?.state).toBe('sending'); // 1 s before the pause + 28 s after: not yet 30
  });

  it('is bounded: a full outbox refuses new messages', () => {
    const { outbox } = make();
    for (let i = 0; i < 100; i++) outbox.create({ ...base, id: `f${i}`, to: 'bob', text: 'x' }, [], 0);
    expect(() => outbox.create({ ...base, id: 'over', to: 'bob', text: 'x' }, [], 0)).toThrow(OutboxFullError);
  });
});

describe('Inbox', () => {
  it('shows messages in seq order, holding later ones while an earlier one is missing', () => {
    const inbox = new Inbox();
    expect(inbox.receive(chat('alice', 'bob', 1), 0).deliver.map((m) => m.seq)).toEqual([1]);
    const r3 = inbox.receive(chat('alice', 'bob', 3), 0);
    expect(r3.deliver).toEqual([]);
    expect(r3.ack).toEqual({ to: 'alice', group: false, epoch: 1, upTo: 1, ranges: [[3, 3]] });
    expect(inbox.receive(chat('alice', 'bob', 4), 0).ack?.ranges).toEqual([[3, 4]]);
    const r2 = inbox.receive(chat('alice', 'bob', 2), 0);
    expect(r2.deliver.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(r2.ack).toEqual({ to: 'alice', group: false, epoch: 1, upTo: 4, ranges: [] });
  });

  it('drops duplicates by id and by seq, and acknowledges them again', () => {
    const inbox = new Inbox();
    inbox.receive(chat('alice', 'all', 1), 0);
    const again = inbox.receive(chat('alice', 'all', 1), 0);
    expect(again.duplicate).toBe(true);
    expect(again.deliver).toEqual([]);
    expect(again.ack).toEqual({ to: 'alice', group: true, epoch: 1, upTo: 1, ranges: [] });
    // the same id under another seq is still a duplicate
    expect(inbox.receive({ ...chat('alice', 'all', 2), id: 'alice-all-1' }, 0).duplicate).toBe(true);
  });

  it('a message sent again under a new seq by a restarted sender (history retry, same id) is not shown again, and the ack covers it', () => {
    const inbox = new Inbox();
    expect(inbox.receive(chat('alice', 'bob', 1, 1, 'kept-id'), 0).deliver).toHaveLength(1);
    inbox.dropSender('alice'); // alice was killed and timed out: her conversation is forgotten, her id is not
    const again = inbox.receive(chat('alice', 'bob', 1, 1, 'kept-id'), 0);
    expect(again.deliver).toEqual([]);
    expect(again.ack).toEqual({ to: 'alice', group: false, epoch: 1, upTo: 1, ranges: [] });
    expect(inbox.receive(chat('alice', 'bob', 2, 1, 'next'), 0).deliver.map((m) => m.id)).toEqual(['next']);
  });

  it('a new epoch from a sender starts the conversation over (it restarted, or dropped it on a leave we never saw); a late copy of the old one is dropped (apps/sim seeds 2, 103)', () => {
    const inbox = new Inbox();
    for (let seq = 1; seq <= 3; seq++) inbox.receive(chat('alice', 'bob', seq), 0);
    expect(inbox.receive(chat('alice', 'bob', 5), 0).deliver).toEqual([]); // held: 4 is missing
    // alice's new life (epoch 2) comes in at seq 4, where the old one stopped: not taken for the old 4
    const again = inbox.receive(chat('alice', 'bob', 4, 1, 'new-life-4', 2), 0);
    expect(again.duplicate).toBe(false);
    expect(again.deliver.map((m) => m.id)).toEqual(['alice-bob-5']); // the old conversation's held message, released
    expect(again.ack).toEqual({ to: 'alice', group: false, epoch: 2, upTo: 0, ranges: [[4, 4]] });
    const rest = ['new-life-2', 'new-life-3'].map((id, i) => inbox.receive(chat('alice', 'bob', i + 2, 1, id, 2), 0).deliver.map((m) => m.id));
    expect(rest).toEqual([[], []]); // 1 is missing: held, in order
    expect(inbox.receive(chat('alice', 'bob', 1, 1, 'new-life-1', 2), 0).deliver.map((m) => m.id)).toEqual(['new-life-1', 'new-life-2', 'new-life-3', 'new-life-4']);
    // a late copy of the old life: dropped, not acked, and the new conversation goes on
    expect(inbox.receive(chat('alice', 'bob', 4, 1, 'alice-bob-4', 1), 0)).toEqual({ deliver: [], ack: null, duplicate: true });
    expect(inbox.receive(chat('alice', 'bob', 5, 5, 'new-life-5', 2), 0).deliver.map((m) => m.id)).toEqual(['new-life-5']);
  });

  it('the outbox gives each conversation an epoch, a new one after a leave, and ignores acks for another', () => {
    const epochs = [11, 22];
    const states: Array<[string, DeliveryState]> = [];
    const outbox = new Outbox((m, s) => states.push([m.id, s]), { newEpoch: () => epochs.shift() ?? 0 }, false);
    const base = { kind: 'chat' as const, from: 'alice', to: 'bob', time: 0, text: 'x' };
    expect(outbox.create({ ...base, id: 'a' }, [], 0).epoch).toBe(11);
    outbox.due(0);
    outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 99, upTo: 1, ranges: [] }, 10);
    expect(outbox.size).toBe(1); // not ours
    outbox.onLeave('bob');
    const b = outbox.create({ ...base, id: 'b' }, [], 20);
    expect([b.epoch, b.seq]).toEqual([22, 1]);
    outbox.due(20);
    outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 11, upTo: 1, ranges: [] }, 30);
    expect(outbox.size).toBe(1); // the old conversation's ack
    outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 22, upTo: 1, ranges: [] }, 40);
    expect(states.at(-1)).toEqual(['b', { state: 'delivered', delivered: 1, of: 1 }]);
  });

  it('never waits forever: base passes a gap, a leave releases, and the hold time expires', () => {
    const inbox = new Inbox({ holdMs: 1000 });
    inbox.receive(chat('alice', 'bob', 1), 0);
    inbox.receive(chat('alice', 'bob', 3), 0);
    // the sender gave up on 2: its next message carries base 3
    expect(inbox.receive(chat('alice', 'bob', 4, 3), 0).deliver.map((m) => m.seq)).toEqual([3, 4]);
    inbox.receive(chat('carol', 'bob', 1), 0);
    inbox.receive(chat('carol', 'bob', 3), 0);
    expect(inbox.dropSender('Carol').map((m) => m.seq)).toEqual([3]);
    inbox.receive(chat('dave', 'bob', 1), 0);
    inbox.receive(chat('dave', 'bob', 5), 100);
    expect(inbox.expire(1000)).toEqual([]);
    expect(inbox.expire(1100).map((m) => m.seq)).toEqual([5]);
  });

  it('never acks what the hold timeout skipped: the sender keeps trying it, and it is shown late when it comes', () => {
    const inbox = new Inbox({ holdMs: 1000 });
    inbox.receive(chat('dave', 'bob', 1), 0);
    inbox.receive(chat('dave', 'bob', 4), 0);
    expect(inbox.expire(1000).map((m) => m.seq)).toEqual([4]); // 2 and 3 skipped
    // The ack covers 1 and 4, not 2 and 3.
    const fifth = inbox.receive(chat('dave', 'bob', 5, 2), 1000);
    expect(fifth.deliver.map((m) => m.seq)).toEqual([5]);
    expect(fifth.ack).toEqual({ to: 'dave', group: false, epoch: 1, upTo: 1, ranges: [[4, 5]] });
    // 3 arrives at last: shown (late), not taken for a duplicate; then only 2 is unacked.
    const third = inbox.receive(chat('dave', 'bob', 3, 2), 1100);
    expect(third.duplicate).toBe(false);
    expect(third.deliver.map((m) => m.seq)).toEqual([3]);
    expect(third.ack).toEqual({ to: 'dave', group: false, epoch: 1, upTo: 1, ranges: [[3, 5]] });
    // The sender gives 2 up (base 3): nothing is waited for any more.
    expect(inbox.receive(chat('dave', 'bob', 6, 3), 1200).ack).toEqual({ to: 'dave', group: false, epoch: 1, upTo: 6, ranges: [] });
    // A copy of 3 is now a duplicate.
    expect(inbox.receive(chat('dave', 'bob', 3, 3), 1300).duplicate).toBe(true);
  });

  it('acks at most the 32 lowest ranges above upTo, ascending and apart; upTo jumps over what base gave up (PROTOCOL.md §5 "What an ack says")', () => {
    const inbox = new Inbox();
    inbox.receive(chat('erin', 'bob', 1), 0);
    // 40 runs above a gap at 2: seqs 3, 5, 7 … 81 (each its own run).
    let last: ReturnType<Inbox['receive']> | undefined;
    for (let i = 0; i < 40; i++) last = inbox.receive(chat('erin', 'bob', 3 + 2 * i), 0);
    expect(last!.ack!.upTo).toBe(1);
    expect(last!.ack!.ranges).toHaveLength(32);
    expect(last!.ack!.ranges).toEqual(Array.from({ length: 32 }, (_, i) => [3 + 2 * i, 3 + 2 * i]));
    // 4 arrives: runs 3 and 5 become one run, [3, 5]; still the 32 lowest.
    const merged = inbox.receive(chat('erin', 'bob', 4), 0).ack!;
    expect(merged.ranges[0]).toEqual([3, 5]);
    expect(merged.ranges).toHaveLength(32);
    expect(merged.ranges[31]).toEqual([67, 67]);
    // The sender gives up on 2 (base 3): upTo jumps over it to the end of the first run.
    expect(inbox.receive(chat('erin', 'bob', 83, 3), 0).ack!.upTo).toBe(5);
  });

  it('starts a conversation it joins late at the sender base, and shows unnumbered messages at once', () => {
    const inbox = new Inbox();
    expect(inbox.receive(chat('alice', 'all', 57, 57), 0).deliver.map((m) => m.seq)).toEqual([57]);
    const plain = inbox.receive({ ...chat('127.0.0.1:5000', 'all', 0, 0), id: 'p1' }, 0);
    expect(plain.deliver).toHaveLength(1);
    expect(plain.ack).toBeNull();
  });
});

describe('bounded state over 100,000 messages', () => {
  it('keeps the outbox, the held messages and the id window within fixed sizes', () => {
    const outbox = new Outbox(() => undefined, { maxPending: 10_000 }, false);
    const inbox = new Inbox({ idWindow: 4096, maxHeld: 1024 });
    let maxPending = 0;
    let maxHeld = 0;
    let maxIds = 0;
    let delivered = 0;
    // 20,000 messages: five times the id window, 20 times the held bound (100,000 is `pnpm bench`'s scale, not a test's).
    const N = 20_000;
    for (let i = 0; i < N; i++) {
      const now = i;
      outbox.create({ kind: 'chat', id: `id${i}`, from: 'alice', to: 'bob', time: now, text: 'x' }, [], now);
      for (const m of outbox.due(now)) {
        // every 7th datagram is lost once; the rest arrive (some twice)
        if (i % 7 === 3 && m.seq === i + 1) continue;
        const r = inbox.receive(m, now);
        if (i % 11 === 0) inbox.receive(m, now);
        delivered += r.deliver.length;
        if (r.ack) outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: false, ...r.ack }, now);
      }
      maxPending = Math.max(maxPending, outbox.size);
      const sizes = inbox.sizes;
      maxHeld = Math.max(maxHeld, sizes.held);
      maxIds = Math.max(maxIds, sizes.ids); // asserted once below: an expect() per message costs seconds
    }
    for (let t = N; outbox.size > 0 && t < 2 * N; t += 100) {
      for (const m of outbox.due(t)) {
        const r = inbox.receive(m, t);
        delivered += r.deliver.length;
        if (r.ack) outbox.onAck({ kind: 'ack', from: 'bob', to: 'alice', group: false, ...r.ack }, t);
      }
    }
    expect(delivered).toBe(N);
    expect(outbox.size).toBe(0);
    expect(maxPending).toBeLessThanOrEqual(10_000);
    expect(maxHeld).toBeLessThanOrEqual(1024);
    expect(maxIds).toBeLessThanOrEqual(4096);
    expect(inbox.sizes).toEqual({ streams: 1, held: 0, ids: 4096 });
  });
});
