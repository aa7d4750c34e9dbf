/**
 * ReplayWindow's storage (src/nonceSet.ts, an open-addressing set of 48-bit
 * keys in a Float64Array) and ReplayWindow at scale: many nonces, table
 * growth, the cap, the extreme keys. The window's time rules are tested in
 * envelope.test.ts.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_MAX_ENTRIES, ReplayWindow } from '../src/auth.js';
import { capacityFor, INITIAL_CAPACITY, NonceSet } from '../src/nonceSet.js';

const MAX_KEY = 2 ** 48 - 1;
const W = 1000;
const T = 1_767_225_600_000;

/** A seeded xorshift32: the same "random" numbers on every run. */
function prng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `count` distinct pseudo-random keys in [0, 2^48). */
function randomKeys(count: number, seed = 42): number[] {
  const next = prng(seed);
  const seen = new Set<number>();
  while (seen.size < count) seen.add((next() & 0xffff) * 2 ** 32 + next());
  return [...seen];
}

/** An 8-byte nonce whose first 6 bytes are `key` big-endian (what ReplayWindow keys on); bytes 6–7 `tail`. */
function nonceOf(key: number, tail = 0): Uint8Array {
  const nonce = new Uint8Array(8);
  let k = key;
  for (let i = 5; i >= 0; i--) {
    nonce[i] = k % 256;
    k = Math.floor(k / 256);
  }
  nonce[6] = tail;
  nonce[7] = tail;
  return nonce;
}

describe('NonceSet', () => {
  it('is empty and allocates nothing until the first add', () => {
    const s = new NonceSet();
    expect(s.size).toBe(0);
    expect(s.capacity).toBe(0);
    expect(s.has(0)).toBe(false);
    expect(s.has(MAX_KEY)).toBe(false);
    expect(s.add(7)).toBe(true);
    expect(s.capacity).toBe(INITIAL_CAPACITY);
  });

  it('holds key 0 and 2^48 − 1 (stored as key + 1: 0 marks an empty slot), and keys equal in their low 32 bits', () => {
    const s = new NonceSet();
    const keys = [0, 1, MAX_KEY, MAX_KEY - 1, 2 ** 32, 2 ** 32 - 1, 2 ** 47, 5 * 2 ** 32 + 9, 9, 0xffff * 2 ** 32];
    for (const k of keys) {
      expect(s.has(k), `${k} before`).toBe(false);
      expect(s.add(k), `${k} add`).toBe(true);
    }
    for (const k of keys) {
      expect(s.has(k), `${k}`).toBe(true);
      expect(s.add(k), `${k} again`).toBe(false);
    }
    expect(s.size).toBe(keys.length);
    for (const k of [2, MAX_KEY - 2, 2 ** 32 + 1, 2 ** 47 + 1, 9 * 2 ** 32 + 5]) expect(s.has(k), `${k}`).toBe(false);
  });

  it('growth keeps every key: all present after each doubling, load factor never above 1/2', () => {
    const keys = randomKeys(60_000, 7);
    const s = new NonceSet();
    let capacity = 0;
    let doublings = 0;
    keys.forEach((k, i) => {
      if (!s.add(k)) expect.fail(`key ${i} already there`);
      if (2 * s.size > s.capacity) expect.fail(`${s.size} keys in ${s.capacity} slots`);
      if (s.capacity !== capacity) {
        if (capacity > 0) {
          expect(s.capacity).toBe(2 * capacity);
          doublings++;
        }
        capacity = s.capacity;
        for (let j = 0; j <= i; j++) if (!s.has(keys[j]!)) expect.fail(`key ${j} lost when growing to ${capacity} slots`);
      }
    });
    expect(doublings).toBe(7); // 1,024 → 131,072 slots for 60,000 keys
    expect(s.capacity).toBe(131_072);
    expect(s.size).toBe(keys.length);
    for (const k of keys) if (!s.has(k)) expect.fail(`key ${k} lost`);
    const added = new Set(keys);
    // (expect.fail on a mismatch, not an expect per key: ~30 µs each, 10,000 of them)
    for (const k of randomKeys(10_000, 8)) if (s.has(k) !== added.has(k)) expect.fail(`has(${k}) is ${s.has(k)}, added: ${added.has(k)}`);
  });

  it('sizes its first table for the expected count (capacityFor), and still grows past it', () => {
    expect(capacityFor(0)).toBe(INITIAL_CAPACITY);
    expect(capacityFor(512)).toBe(1024);
    expect(capacityFor(513)).toBe(2048);
    expect(capacityFor(2_000_000)).toBe(2 ** 22);
    expect(capacityFor(2 ** 21 + 1)).toBe(2 ** 23);
    const s = new NonceSet(5_000);
    expect(s.capacity).toBe(0);
    const keys = randomKeys(6_000, 9);
    keys.slice(0, 5_000).forEach((k) => s.add(k));
    expect(s.capacity).toBe(16_384);
    keys.slice(5_000).forEach((k) => s.add(k));
    expect(s.capacity).toBe(16_384);
    for (const k of keys) if (!s.has(k)) expect.fail(`key ${k} lost`);
  });

  it('model: behaves as a Set<number> (keys from a small pool with 0, 2^48 − 1 and shared low bits)', () => {
    const key = fc.oneof(
      fc.constantFrom(0, 1, MAX_KEY, MAX_KEY - 1, 2 ** 32, 2 ** 32 - 1),
      fc.integer({ min: 0, max: 0xffff }).map((hi) => hi * 2 ** 32 + 12345),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: MAX_KEY }),
    );
    fc.assert(
      // (node:assert: an expect costs ~30 µs, and this property makes thousands of checks)
      fc.property(fc.array(fc.tuple(fc.boolean(), key), { maxLength: 3000 }), (ops) => {
        const s = new NonceSet();
        const model = new Set<number>();
        for (const [add, k] of ops) {
          if (add) {
            assert.equal(s.add(k), !model.has(k));
            model.add(k);
          } else {
            assert.equal(s.has(k), model.has(k));
          }
          assert.equal(s.size, model.size);
        }
        for (const k of model) assert.equal(s.has(k), true);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('ReplayWindow at scale', () => {
  it("200,000 random nonces: all 'fresh', then all 'replay' (the last two bytes aside)", () => {
    const keys = randomKeys(200_000);
    const w = new ReplayWindow(W);
    for (const k of keys) if (w.admit(nonceOf(k), T) !== 'fresh') expect.fail(`key ${k} not fresh`);
    expect(w.size).toBe(200_000);
    for (const k of keys) if (w.admit(nonceOf(k, 0xff), T + 1) !== 'replay') expect.fail(`key ${k} not replay`);
    expect(w.size).toBe(200_000);
    // unseen ones are still fresh
    const seen = new Set(keys);
    const others = randomKeys(1_000, 43).filter((k) => !seen.has(k));
    for (const k of others) if (w.admit(nonceOf(k), T + 2) !== 'fresh') expect.fail(`unseen key ${k} not fresh`);
  });

  it('across generations: the older one still refuses, both are forgotten after 4 windows', () => {
    const keys = randomKeys(100_000);
    const first = keys.slice(0, 50_000);
    const second = keys.slice(50_000);
    const w = new ReplayWindow(W);
    for (const k of first) w.admit(nonceOf(k), T);
    for (const k of second) if (w.admit(nonceOf(k), T + 2 * W) !== 'fresh') expect.fail(`key ${k} not fresh`);
    expect(w.size).toBe(100_000);
    for (const k of keys) if (w.admit(nonceOf(k), T + 2 * W + 1) !== 'replay') expect.fail(`key ${k} not replay`);
    // the generation of `second` becomes the older one; `first` is dropped
    for (const k of first) if (w.admit(nonceOf(k), T + 4 * W) !== 'fresh') expect.fail(`key ${k} not forgotten`);
    for (const k of second) if (w.admit(nonceOf(k), T + 4 * W) !== 'replay') expect.fail(`key ${k} forgotten`);
    expect(w.size).toBe(100_000);
  });

  it("'full' at maxEntries (past several table doublings), remembered ones still 'replay', room again 4 windows on", () => {
    const max = 12_345;
    const keys = randomKeys(max + 100);
    const w = new ReplayWindow(W, max);
    keys.forEach((k, i) => {
      const verdict = w.admit(nonceOf(k), T);
      if (verdict !== (i < max ? 'fresh' : 'full')) expect.fail(`nonce ${i}: ${verdict}`);
    });
    expect(w.size).toBe(max);
    expect(w.admit(nonceOf(keys[max]!), T)).toBe('full'); // not recorded
    expect(w.admit(nonceOf(keys[0]!), T)).toBe('replay');
    expect(w.admit(nonceOf(keys[max - 1]!), T)).toBe('replay');
    // a new generation with the older one full: still full
    expect(w.admit(nonceOf(keys[max]!), T + 2 * W)).toBe('full');
    expect(w.admit(nonceOf(keys[0]!), T + 2 * W)).toBe('replay');
    expect(w.admit(nonceOf(keys[max]!), T + 4 * W)).toBe('fresh');
    expect(w.size).toBe(1);
  });

  it("the default cap is REPLAY_WINDOW_MAX_ENTRIES = 4,000,000: 'full' at the 4,000,001st nonce", () => {
    expect(REPLAY_WINDOW_MAX_ENTRIES).toBe(4_000_000);
    const w = new ReplayWindow();
    const nonce = new Uint8Array(8);
    // distinct keys: the low 32 bits, i × an odd constant mod 2^32, already differ for every i < 2^32
    const nonceAt = (i: number): Uint8Array => {
      const lo = Math.imul(i, 0x9e3779b9) >>> 0;
      const hi = (i * 0x6a09) & 0xffff;
      nonce[0] = hi >>> 8;
      nonce[1] = hi & 0xff;
      nonce[2] = lo >>> 24;
      nonce[3] = (lo >>> 16) & 0xff;
      nonce[4] = (lo >>> 8) & 0xff;
      nonce[5] = lo & 0xff;
      return nonce;
    };
    for (let i = 0; i < REPLAY_WINDOW_MAX_ENTRIES; i++) if (w.admit(nonceAt(i), T) !== 'fresh') expect.fail(`nonce ${i} not fresh`);
    expect(w.size).toBe(4_000_000);
    expect(w.admit(nonceAt(REPLAY_WINDOW_MAX_ENTRIES), T)).toBe('full');
    expect(w.admit(nonceAt(0), T)).toBe('replay');
    expect(w.admit(nonceAt(3_999_999), T)).toBe('replay');
  });

  it("sizes a new generation's table for as many nonces as the one before, within the room left (no growth under steady traffic)", () => {
    /** The window's tables (private: white-box). */
    const tables = (w: ReplayWindow) => w as unknown as { current: NonceSet; previous: NonceSet };
    const keys = randomKeys(10_002);
    const w = new ReplayWindow(W, 10_000);
    for (const k of keys.slice(0, 3_000)) w.admit(nonceOf(k), T);
    expect(tables(w).current.capacity).toBe(8_192);
    w.admit(nonceOf(keys[3_000]!), T + 2 * W); // rotates: 3,000 in the older generation
    expect(tables(w).previous.size).toBe(3_000);
    expect(tables(w).current.capacity).toBe(capacityFor(3_000)); // 8,192 from the start, not 1,024
    for (const k of keys.slice(3_001, 10_000)) w.admit(nonceOf(k), T + 2 * W);
    expect(w.size).toBe(10_000);
    expect(tables(w).current.capacity).toBe(16_384); // grew past its guess
    w.admit(nonceOf(keys[10_000]!), T + 4 * W); // 7,000 older: room left for 3,000
    expect(tables(w).previous.size).toBe(7_000);
    expect(tables(w).current.capacity).toBe(capacityFor(3_000)); // not capacityFor(7,000) = 16,384
    w.admit(nonceOf(keys[10_001]!), T + 8 * W); // both dropped: from INITIAL_CAPACITY again
    expect(tables(w).previous.size).toBe(0);
    expect(tables(w).current.capacity).toBe(INITIAL_CAPACITY);
  });

  it('key 0 (nonce 00…) and 2^48 − 1 (nonce ff ff ff ff ff ff …) are nonces like any other', () => {
    const w = new ReplayWindow(W);
    const zero = new Uint8Array(8);
    const ones = new Uint8Array(8).fill(0xff);
    expect(w.admit(zero, T)).toBe('fresh');
    expect(w.admit(ones, T)).toBe('fresh');
    expect(w.admit(zero, T)).toBe('replay');
    expect(w.admit(ones, T)).toBe('replay');
    expect(w.admit(Uint8Array.from([0, 0, 0, 0, 0, 0, 0xff, 0xff]), T)).toBe('replay');
    expect(w.admit(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]), T)).toBe('replay');
    expect(w.admit(nonceOf(1), T)).toBe('fresh');
    expect(w.admit(nonceOf(MAX_KEY - 1), T)).toBe('fresh');
    expect(w.size).toBe(4);
    expect(w.admit(zero, T + 2 * W)).toBe('replay'); // from the older generation
    expect(w.admit(ones, T + 4 * W)).toBe('fresh');
  });
});
