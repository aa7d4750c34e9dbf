/**
 * The pending messages of one outgoing conversation, by seq: seqs are only
 * ever added above all others (they are handed out in order), and removed
 * anywhere. Finding the lowest one (a conversation's `base`) and walking the
 * ones within a range cost O(log n + k) amortised, k the entries visited: a
 * removed slot points on to the next slot still in use (union-find with path
 * compression), so runs of removed seqs are skipped, not walked. Memory is
 * O(entries in use): removed slots are compacted away once they outnumber them.
 */
export class SeqIndex<T> {
  private keys: number[] = [];
  private values: Array<T | undefined> = [];
  /** next[i] === i: slot i in use; otherwise a later slot to look at (maybe keys.length). */
  private next: number[] = [];
  private live = 0;
  /** The last key appended (kept through compactions). */
  private lastKey = Number.NEGATIVE_INFINITY;
  /** Walks under way: no compaction while one is (it would move the slots). */
  private walking = 0;

  /** Entries in use. */
  get size(): number {
    return this.live;
  }

  /**
   * Adds `key` above every key ever added.
   * @throws RangeError when `key` is not above the last key added.
   */
  append(key: number, value: T): void {
    if (!(key > this.lastKey)) throw new RangeError(`seq ${key} is not above ${this.lastKey}`);
    this.lastKey = key;
    this.next.push(this.keys.length);
    this.keys.push(key);
    this.values.push(value);
    this.live++;
  }

  /** Removes `key` if present; returns whether it was. */
  delete(key: number): boolean {
    const i = this.lowerBound(key);
    if (i >= this.keys.length || this.keys[i] !== key || this.next[i] !== i) return false;
    this.values[i] = undefined;
    this.next[i] = i + 1;
    this.live--;
    this.maybeCompact();
    return true;
  }

  /** The entry with the lowest key, or undefined. */
  first(): T | undefined {
    return this.values[this.find(0)];
  }

  /**
   * Calls `visit` for each entry with a key in [from, to], in key order. `visit`
   * may remove the entry it is given; entries appended meanwhile are visited only if within range.
   */
  forEachIn(from: number, to: number, visit: (value: T) => void): void {
    if (!(from <= to)) return;
    this.walking++;
    try {
      for (let i = this.find(this.lowerBound(from)); i < this.keys.length && (this.keys[i] as number) <= to; i = this.find(i + 1)) {
        visit(this.values[i] as T);
      }
    } finally {
      this.walking--;
    }
    this.maybeCompact();
  }

  /** The entries in key order (a copy). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = this.find(0); i < this.keys.length; i = this.find(i + 1)) out.push(this.values[i] as T);
    return out;
  }

  /** The first slot at or after `i` in use (keys.length when none), compressing the path. */
  private find(i: number): number {
    const n = this.keys.length;
    const next = this.next;
    let root = i;
    while (root < n && next[root] !== root) root = next[root] as number;
    while (i < n && next[i] !== i) {
      const after = next[i] as number;
      next[i] = root;
      i = after;
    }
    return root;
  }

  /** The first slot whose key is >= key (used or not: keys stay sorted). */
  private lowerBound(at: number): number {
    const key = Math.ceil(at); // keys are integers
    const keys = this.keys;
    const n = keys.length;
    if (n === 0) return 0;
    const firstKey = keys[0] as number;
    const lastKey = keys[n - 1] as number;
    if (key <= firstKey) return 0;
    if (key > lastKey) return n;
    // Keys are distinct integers, so slot i holds at least firstKey + i and at most
    // lastKey - (n - 1 - i): the slot of `key` lies within these bounds, and is found
    // at once where the keys are consecutive (the slots appended since the last compaction).
    let lo = Math.max(0, n - 1 - (lastKey - key));
    let hi = Math.min(n, key - firstKey + 1);
    if ((keys[lo] as number) >= key) return lo;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private maybeCompact(): void {
    const dead = this.keys.length - this.live;
    if (this.walking > 0 || dead <= 64 || dead <= this.live) return;
    const keys: number[] = [];
    const values: T[] = [];
    for (let i = this.find(0); i < this.keys.length; i = this.find(i + 1)) {
      keys.push(this.keys[i] as number);
      values.push(this.values[i] as T);
    }
    this.keys = keys;
    this.values = values;
    this.next = keys.map((_, i) => i);
  }
}
