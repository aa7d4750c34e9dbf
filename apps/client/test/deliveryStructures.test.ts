/**
 * The delivery engine's data structures against plain models (a Set, a
 * sorted array) on random operations: RunSet (the Inbox's held and skipped
 * seqs), SeqIndex (the Outbox's pending messages by seq) and IndexedHeap
 * (its timers). Checked with node:assert inside the properties (an expect
 * costs ~30 µs, and these check after every one of thousands of operations).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { IndexedHeap } from '../src/net/delivery/heap.js';
import { RunSet } from '../src/net/delivery/runs.js';
import { SeqIndex } from '../src/net/delivery/seqIndex.js';

/** The maximal runs of a set of integers. */
const runsOf = (set: Set<number>): Array<[number, number]> => {
  const out: Array<[number, number]> = [];
  for (const x of [...set].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[1] === x - 1) last[1] = x;
    else out.push([x, x]);
  }
  return out;
};
const runsIn = (r: RunSet): Array<[number, number]> => Array.from({ length: r.runCount }, (_, i) => [r.low(i), r.high(i)]);

describe('RunSet', () => {
  it('holds exactly the members of a Set, as maximal sorted runs', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), x: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ op: fc.constant('range' as const), x: fc.integer({ min: 0, max: 60 }), n: fc.integer({ min: -1, max: 12 }) }),
      fc.record({ op: fc.constant('delete' as const), x: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ op: fc.constant('below' as const), x: fc.integer({ min: 0, max: 60 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120, size: 'max' }), (ops) => {
        const runs = new RunSet();
        const model = new Set<number>();
        for (const o of ops) {
          if (o.op === 'add') (runs.add(o.x), model.add(o.x));
          else if (o.op === 'range') {
            runs.addRange(o.x, o.x + o.n);
            for (let x = o.x; x <= o.x + o.n; x++) model.add(x);
          } else if (o.op === 'delete') (runs.delete(o.x), model.delete(o.x));
          else {
            runs.deleteBelow(o.x);
            for (const x of model) if (x < o.x) model.delete(x);
          }
          assert.deepEqual(runsIn(runs), runsOf(model));
          assert.equal(runs.first(), model.size ? Math.min(...model) : undefined);
          for (let x = 0; x <= 75; x += 5) assert.equal(runs.has(x), model.has(x), `has(${x})`);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('SeqIndex', () => {
  it('finds the lowest entry and the entries in a range like a sorted Map, across compactions', () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('append' as const), gap: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('walk' as const), from: fc.integer({ min: -5, max: 400 }), len: fc.integer({ min: -2, max: 60 }), drop: fc.boolean() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400, size: 'max' }), (ops) => {
        const index = new SeqIndex<number>();
        const model = new Map<number, number>(); // seq -> value, in seq order (appended ascending)
        let next = 1;
        for (const o of ops) {
          if (o.op === 'append') {
            next += o.gap;
            index.append(next, next * 10);
            model.set(next, next * 10);
          } else if (o.op === 'delete') {
            const keys = [...model.keys()];
            const key = keys.length ? (keys[o.pick % keys.length] as number) : next + 1;
            assert.equal(index.delete(key), model.delete(key));
          } else {
            const to = o.from + o.len;
            const seen: number[] = [];
            // Removing the visited entry while walking must not disturb the walk.
            index.forEachIn(o.from, to, (v) => {
              seen.push(v);
              if (o.drop) index.delete(v / 10);
            });
            const want = [...model].filter(([k]) => k >= o.from && k <= to).map(([, v]) => v);
            assert.deepEqual(seen, want);
            if (o.drop) for (const v of want) model.delete(v / 10);
          }
          assert.equal(index.size, model.size);
          assert.equal(index.first(), [...model.values()][0]);
          assert.deepEqual(index.toArray(), [...model.values()]);
        }
        if (next > 1) assert.throws(() => index.append(next, 0), RangeError); // not above the last key, compacted away or not
      }),
      { numRuns: 150 },
    );
  });
});

describe('IndexedHeap', () => {
  it('pops in key order with entries removed and re-keyed in place', () => {
    interface E {
      key: number;
      id: number;
      slot: number;
    }
    const op = fc.oneof(
      fc.record({ op: fc.constant('push' as const), key: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ op: fc.constant('pop' as const) }),
      fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('update' as const), pick: fc.nat(), key: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200, size: 'max' }), (ops) => {
        const less = (a: E, b: E) => a.key < b.key || (a.key === b.key && a.id < b.id);
        const heap = new IndexedHeap<E>(less, (e) => e.slot, (e, s) => (e.slot = s));
        let model: E[] = [];
        let id = 0;
        const sorted = () => [...model].sort((a, b) => (less(a, b) ? -1 : 1));
        for (const o of ops) {
          if (o.op === 'push') {
            const e = { key: o.key, id: id++, slot: -1 };
            heap.push(e);
            model.push(e);
          } else if (o.op === 'pop') {
            const want = sorted()[0];
            assert.equal(heap.pop(), want);
            model = model.filter((e) => e !== want);
          } else if (model.length > 0) {
            const e = model[o.pick % model.length] as E;
            if (o.op === 'remove') {
              heap.remove(e);
              heap.remove(e); // twice: a no-op
              model = model.filter((x) => x !== e);
            } else {
              e.key = o.key;
              heap.update(e);
            }
          }
          assert.equal(heap.size, model.length);
          assert.equal(heap.peek(), sorted()[0]);
          for (const e of model) assert.equal(heap.has(e), true);
        }
        assert.equal(heap.clear().length, model.length);
        for (const e of model) assert.equal(heap.has(e), false);
      }),
      { numRuns: 200 },
    );
  });
});
