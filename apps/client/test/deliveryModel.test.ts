/**
 * The delivery engine against its reference model: the Outbox and Inbox as
 * they were before their queues were made proportional to the work
 * (test/reference/, kept verbatim), driven in lockstep through random
 * operations — creates, sends under pacing, relay-acks, acks with arbitrary
 * (also unsorted, overlapping) ranges, defers, kicks, failures, leaves,
 * pauses, clocks that jump back, receives with loss, duplicates, reordering,
 * foreign bases, new and earlier epochs, hold timeouts — and required to give exactly the same
 * outputs: what to send and in which order with which base, every delivery
 * state in order, every ack, every delivered message, the sizes. Compared
 * with node:assert after every operation (an expect costs ~30 µs).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { AckMessage, ChatMessage } from '@udpchat/protocol';
import { Inbox, type Received } from '../src/net/delivery/inbox.js';
import { Outbox } from '../src/net/delivery/outbox.js';
import type { DeliveryState } from '../src/net/delivery/states.js';
import { Inbox as ReferenceInbox } from './reference/inbox.js';
import { Outbox as ReferenceOutbox } from './reference/outbox.js';

type Log = Array<[string, DeliveryState]>;

/** One implementation of each, behind the same calls. */
interface Pair {
  outbox: Outbox | ReferenceOutbox;
  inbox: Inbox | ReferenceInbox;
  log: Log;
}

const pair = (make: 'new' | 'reference', maxPending: number, paused: boolean): Pair => {
  const log: Log = [];
  const onState = (m: ChatMessage, s: DeliveryState) => log.push([m.id, structuredClone(s)]);
  const options = { giveUpMs: 3000, maxPending, newEpoch: () => EPOCH };
  const inboxOptions = { holdMs: 400, maxHeld: 6, idWindow: 12 };
  return make === 'new'
    ? { outbox: new Outbox(onState, options, paused), inbox: new Inbox(inboxOptions), log }
    : { outbox: new ReferenceOutbox(onState, options, paused), inbox: new ReferenceInbox(inboxOptions), log };
};

/** The epoch of every conversation the outboxes start (acks also come for another, FOREIGN_EPOCH, ignored). */
const EPOCH = 7;
const FOREIGN_EPOCH = 8;
const names = ['bob', 'Carol', 'dave'] as const;
const name = fc.constantFrom(...names);
const to = fc.constantFrom('bob', 'carol', 'all', 'ALL');
const step = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 700 }) }, { weight: 1, arbitrary: fc.integer({ min: -300, max: 0 }) });
const ranges = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { maxLength: 5 });

type OutboxOp =
  | { op: 'create'; to: string; expected: string[]; dt: number }
  | { op: 'due'; dt: number; budget: number | null }
  | { op: 'relayAck'; pick: number; recipients: number; regrouping: boolean; dt: number }
  | { op: 'ack'; from: string; group: boolean; epoch: number; upTo: number; ranges: Array<[number, number]>; sorted: boolean; dt: number }
  | { op: 'defer'; pick: number; ms: number }
  | { op: 'kick'; name: string }
  | { op: 'fail'; pick: number }
  | { op: 'leave'; name: string }
  | { op: 'pause'; dt: number }
  | { op: 'resume'; dt: number };

const outboxOp: fc.Arbitrary<OutboxOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('create' as const), to, expected: fc.subarray([...names]), dt: step }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('due' as const), dt: step, budget: fc.option(fc.integer({ min: 0, max: 4 })) }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('relayAck' as const), pick: fc.nat(), recipients: fc.integer({ min: 0, max: 3 }), regrouping: fc.boolean(), dt: step }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('ack' as const), from: name, group: fc.boolean(), epoch: fc.constantFrom(EPOCH, EPOCH, EPOCH, FOREIGN_EPOCH), upTo: fc.integer({ min: 0, max: 40 }), ranges, sorted: fc.boolean(), dt: step }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('defer' as const), pick: fc.nat(), ms: fc.integer({ min: 0, max: 2000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('kick' as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fail' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('leave' as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pause' as const), dt: step }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resume' as const), dt: step }) },
);

/** Sorted, disjoint ranges above `upTo` (what an Inbox sends), from arbitrary ones. */
const inboxShaped = (upTo: number, raw: Array<[number, number]>): Array<[number, number]> => {
  const out: Array<[number, number]> = [];
  let end = upTo + 1;
  for (const [a, b] of raw) {
    const first = end + 1 + (a % 4);
    const last = first + (b % 5);
    out.push([first, last]);
    end = last + 1;
  }
  return out;
};

/** Runs `op` on one side; returns what can be observed. */
function runOutbox(side: Pair, op: OutboxOp, clock: { now: number }, ids: string[], n: number): unknown {
  const { outbox } = side;
  const now = clock.now;
  const pickId = (pick: number) => ids[pick % Math.max(1, ids.length)] ?? 'none';
  switch (op.op) {
    case 'create':
      try {
        const m = outbox.create({ kind: 'chat', id: `m${n}`, from: 'alice', to: op.to, time: now, text: 'x' }, op.expected, now);
        return { seq: m.seq, base: m.base };
      } catch (err) {
        return { threw: (err as Error).constructor.name };
      }
    case 'due': {
      let left = op.budget ?? Number.POSITIVE_INFINITY;
      let asked = 0;
      const sent = outbox.due(now, () => (asked++, left-- > 0)).map((m) => [m.id, m.seq, m.base]);
      return { sent, asked };
    }
    case 'relayAck':
      return outbox.onRelayAck(pickId(op.pick), op.recipients, now, op.regrouping);
    case 'ack': {
      const ack: AckMessage = { kind: 'ack', from: op.from, to: 'alice', group: op.group, epoch: op.epoch, upTo: op.upTo, ranges: op.sorted ? inboxShaped(op.upTo, op.ranges) : op.ranges };
      return outbox.onAck(ack, now);
    }
    case 'defer':
      return outbox.defer(pickId(op.pick), op.ms, now);
    case 'kick':
      return outbox.kick(op.name, now);
    case 'fail':
      return outbox.fail(pickId(op.pick), 'refused');
    case 'leave':
      return outbox.onLeave(op.name);
    case 'pause':
      return outbox.pause(now);
    case 'resume':
      return outbox.resume(now);
  }
}

type InboxOp =
  | { op: 'receive'; from: string; to: string; epoch: number; seq: number; base: number; idFrom: number | null; twice: boolean; dt: number }
  | { op: 'expire'; dt: number }
  | { op: 'drop'; name: string };

const inboxOp: fc.Arbitrary<InboxOp> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('receive' as const),
      from: fc.constantFrom('alice', 'Alice', 'carol'),
      to: fc.constantFrom('bob', 'all'),
      // mostly one conversation; sometimes the sender starts over (a new epoch), or a late copy of an earlier one comes
      epoch: fc.oneof({ weight: 12, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(2, 3) }),
      seq: fc.integer({ min: 0, max: 30 }),
      base: fc.integer({ min: 0, max: 33 }),
      idFrom: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 6 }),
      twice: fc.boolean(),
      dt: fc.integer({ min: 0, max: 200 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('expire' as const), dt: fc.integer({ min: 0, max: 500 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), name: fc.constantFrom('ALICE', 'carol') }) },
);

const seen = (r: Received) => ({ deliver: r.deliver.map((m) => m.id), ack: r.ack, duplicate: r.duplicate });

function runInbox(side: Pair, op: InboxOp, now: number, n: number): unknown {
  const { inbox } = side;
  switch (op.op) {
    case 'receive': {
      // Mostly in step with the seq (a later copy of a message keeps its id); sometimes a fresh or a reused id.
      const id = op.idFrom === null ? `${op.from.toLowerCase()}-${op.to}-${op.seq}` : `x${op.idFrom % (n + 1)}`;
      const m: ChatMessage = { kind: 'chat', id, from: op.from, to: op.to, epoch: op.seq === 0 ? 0 : op.epoch, seq: op.seq, base: Math.min(op.base, op.seq + 3), time: 0, text: '' };
      const first = seen(inbox.receive(m, now));
      return op.twice ? [first, seen(inbox.receive({ ...m }, now))] : first;
    }
    case 'expire':
      return inbox.expire(now).map((m) => m.id);
    case 'drop':
      return inbox.dropSender(op.name).map((m) => m.id);
  }
}

describe('the delivery engine against its reference model', () => {
  it('Outbox: the same sends, order, bases and states for any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(outboxOp, { minLength: 5, maxLength: 60, size: 'max' }), fc.integer({ min: 3, max: 40 }), fc.boolean(), (ops, maxPending, paused) => {
        const sides = [pair('new', maxPending, paused), pair('reference', maxPending, paused)] as const;
        const clock = { now: 1000 };
        const ids: string[] = [];
        ops.forEach((op, n) => {
          clock.now = Math.max(0, clock.now + ('dt' in op ? op.dt : 0));
          const [got, want] = sides.map((side) => runOutbox(side, op, clock, ids, n));
          assert.deepEqual(got, want);
          if (op.op === 'create') ids.push(`m${n}`);
          assert.deepEqual(sides[0].log, sides[1].log);
          assert.deepEqual([sides[0].outbox.size, sides[0].outbox.streamCount, sides[0].outbox.rto], [
            sides[1].outbox.size,
            sides[1].outbox.streamCount,
            sides[1].outbox.rto,
          ]);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('Inbox: the same deliveries, acks and duplicates for any arrivals', () => {
    fc.assert(
      fc.property(fc.array(inboxOp, { minLength: 5, maxLength: 60, size: 'max' }), (ops) => {
        const sides = [pair('new', 10, false), pair('reference', 10, false)] as const;
        let now = 0;
        ops.forEach((op, n) => {
          now += 'dt' in op ? op.dt : 0;
          const [got, want] = sides.map((side) => runInbox(side, op, now, n));
          assert.deepEqual(got, want);
          assert.deepEqual(sides[0].inbox.sizes, sides[1].inbox.sizes);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('both ends together over a lossy, duplicating, reordering link: the same run, datagram for datagram', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ write: fc.integer({ min: 0, max: 3 }), to: fc.constantFrom('bob', 'all'), dt: fc.integer({ min: 0, max: 300 }), budget: fc.option(fc.integer({ min: 1, max: 5 })) }), {
          minLength: 1,
          maxLength: 40,
          size: 'max',
        }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 50, size: 'max' }),
        (ticks, fate) => {
          const sides = [pair('new', 30, false), pair('reference', 30, false)] as const;
          const traces = sides.map(() => [] as unknown[]);
          sides.forEach((side, s) => {
            const trace = traces[s] as unknown[];
            let now = 0;
            let n = 0;
            let f = 0;
            const late: ChatMessage[] = [];
            const deliver = (m: ChatMessage) => {
              const r = side.inbox.receive(m, now);
              trace.push(seen(r));
              if (r.ack && (fate[f++ % fate.length] as number) > 1) {
                side.outbox.onAck({ kind: 'ack', from: 'bob', ...r.ack }, now);
              }
            };
            for (const tick of [...ticks, ...Array.from({ length: 40 }, () => ({ write: 0, to: 'bob', dt: 500, budget: null }))]) {
              now += tick.dt;
              for (let i = 0; i < tick.write; i++) {
                try {
                  side.outbox.create({ kind: 'chat', id: `w${n++}`, from: 'alice', to: tick.to, time: now, text: '' }, ['bob'], now);
                } catch {
                  trace.push('full');
                }
              }
              let left = tick.budget ?? Number.POSITIVE_INFINITY;
              for (const m of side.outbox.due(now, () => left-- > 0)) {
                side.outbox.onRelayAck(m.id, 1, now);
                const x = fate[f++ % fate.length] as number;
                if (x === 0) continue; // lost
                if (x === 1) late.push({ ...m }); // overtaken
                else deliver({ ...m });
                if (x === 9) deliver({ ...m }); // duplicated
              }
              if (now % 3 === 0) for (const m of late.splice(0)) deliver(m);
              trace.push(side.inbox.expire(now).map((m) => m.id));
            }
            trace.push(side.log, side.outbox.size, side.inbox.sizes);
          });
          assert.deepEqual(traces[0], traces[1]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
