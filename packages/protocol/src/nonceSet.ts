/**
 * A compact set of 48-bit integer keys (ReplayWindow's nonce keys): open
 * addressing with linear probing in one Float64Array, 8 bytes per slot, no
 * object per key. A slot holds key + 1 (exact in a double: keys < 2^48), so
 * 0 marks an empty slot and key 0 is representable. The table starts at
 * INITIAL_CAPACITY slots, or enough for the expected count given to the
 * constructor, allocated on the first add, and doubles before the load factor
 * would exceed 1/2: a set that grew to n keys holds them in 2n–4n slots,
 * 16–32 bytes per key. No removal: a whole set is dropped at once.
 */

import { randomFillSync } from 'node:crypto';

/** Slots of a table when the first key is added (8 KiB). */
export const INITIAL_CAPACITY = 1024;

/** 2^32, to split a key into its high 16 and low 32 bits. */
const TWO_32 = 4294967296;

/** Random per process, so that chosen keys cannot be made to collide. */
const SEED = randomFillSync(new Uint32Array(1))[0]!;

/**
 * Slot index of `key` in a table of `mask` + 1 slots (a power of 2): the
 * murmur3 finaliser over the low 32 bits (seeded), mixed with the high 16.
 */
function slotOf(key: number, mask: number): number {
  const lo = key >>> 0;
  const hi = (key - lo) / TWO_32;
  let h = Math.imul(lo ^ SEED, 0xcc9e2d51) ^ Math.imul(hi, 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & mask;
}

/** Slots for `count` keys at load factor ≤ 1/2: a power of 2, at least INITIAL_CAPACITY. */
export function capacityFor(count: number): number {
  let capacity = INITIAL_CAPACITY;
  while (capacity < 2 * count) capacity *= 2;
  return capacity;
}

export class NonceSet {
  private table: Float64Array | undefined;
  private mask = 0;
  private count = 0;

  /**
   * @param expected keys the set is likely to get: its first table is sized
   *   for them (`capacityFor`), so that it need not grow (and rehash) on the way.
   */
  constructor(private readonly expected = 0) {}

  /** Keys in the set. */
  get size(): number {
    return this.count;
  }

  /** Slots allocated (0 until the first add); 8 bytes each. */
  get capacity(): number {
    return this.table === undefined ? 0 : this.table.length;
  }

  /**
   * True when `key` is in the set.
   * @param key an integer in [0, 2^48).
   */
  has(key: number): boolean {
    const table = this.table;
    if (table === undefined) return false;
    const stored = key + 1;
    const mask = this.mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const slot = table[i]!;
      if (slot === stored) return true;
      if (slot === 0) return false;
    }
  }

  /**
   * Adds `key` unless present.
   * @param key an integer in [0, 2^48).
   * @returns true when added, false when it was already there.
   */
  add(key: number): boolean {
    if (this.table === undefined || 2 * (this.count + 1) > this.table.length) this.grow();
    const table = this.table!;
    const stored = key + 1;
    const mask = this.mask;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const slot = table[i]!;
      if (slot === stored) return false;
      if (slot === 0) {
        table[i] = stored;
        this.count++;
        return true;
      }
    }
  }

  /** Allocates the first table, or one twice as large and re-inserts every key. */
  private grow(): void {
    const old = this.table;
    const table = new Float64Array(old === undefined ? capacityFor(this.expected) : 2 * old.length);
    const mask = table.length - 1;
    if (old !== undefined) {
      for (let j = 0; j < old.length; j++) {
        const stored = old[j]!;
        if (stored === 0) continue;
        let i = slotOf(stored - 1, mask);
        while (table[i] !== 0) i = (i + 1) & mask;
        table[i] = stored;
      }
    }
    this.table = table;
    this.mask = mask;
  }
}
