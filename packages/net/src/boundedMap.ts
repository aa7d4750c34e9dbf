/**
 * A Map with a maximum size, for the relay's per-address state (rate-limit
 * buckets, pending registrations, anti-amplification credit, reply
 * throttles): PROTOCOL.md §6.3 "every table per address has a maximum size
 * and expires idle entries". Spoofed source addresses are free for an
 * attacker, so no such table may grow without bound.
 */

/** Options of `BoundedMap`. */
export interface BoundedMapOptions<V> {
  /** Most entries held at once (at least 1). */
  maxEntries: number;
  /** Called for an entry pushed out to make room (not for `delete` or `sweep`). */
  onEvict?: (key: string, value: V) => void;
}

/**
 * String-keyed map of at most `maxEntries` entries. Adding a new key to a
 * full map first evicts the entry inserted longest ago (insertion order, not
 * LRU: cheap, and an attacker churning addresses only evicts its own kind).
 * `sweep` removes the entries a predicate calls expired.
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  /** Entries pushed out because the map was full, since creation. */
  evicted = 0;

  constructor(private readonly options: BoundedMapOptions<V>) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a whole number of at least 1 (got ${String(options.maxEntries)})`);
    }
  }

  /** Entries held now. */
  get size(): number {
    return this.map.size;
  }

  /** Most entries held at once. */
  get maxEntries(): number {
    return this.options.maxEntries;
  }

  /** True when a new key would evict an entry. */
  get full(): boolean {
    return this.map.size >= this.options.maxEntries;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Sets `key`; a new key in a full map first evicts the oldest entry. */
  set(key: string, value: V): void {
    if (!this.map.has(key) && this.map.size >= this.options.maxEntries) {
      const oldest = this.map.entries().next();
      if (!oldest.done) {
        const [oldKey, oldValue] = oldest.value;
        this.map.delete(oldKey);
        this.evicted++;
        this.options.onEvict?.(oldKey, oldValue);
      }
    }
    this.map.set(key, value);
  }

  /** @returns true when `key` was there. */
  delete(key: string): boolean {
    return this.map.delete(key);
  }

  /**
   * Removes (and returns) every entry for which `expired` holds.
   * O(size): call it from a periodic timer, never per datagram.
   */
  sweep(expired: (value: V, key: string) => boolean): V[] {
    const gone: V[] = [];
    for (const [key, value] of this.map) {
      if (expired(value, key)) {
        this.map.delete(key);
        gone.push(value);
      }
    }
    return gone;
  }

  /**
   * Removes (and returns) the entries from the oldest on (insertion order)
   * for as long as `expired` holds, stopping at the first one it does not:
   * O(removed + 1), cheap enough per datagram when values are inserted in
   * the order they expire (e.g. each with its creation time).
   */
  sweepOldest(expired: (value: V, key: string) => boolean): V[] {
    const gone: V[] = [];
    for (const [key, value] of this.map) {
      if (!expired(value, key)) break;
      this.map.delete(key);
      gone.push(value);
    }
    return gone;
  }

  /** Every value, in insertion order. */
  values(): IterableIterator<V> {
    return this.map.values();
  }
}
