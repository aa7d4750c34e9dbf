/**
 * A set of integers (seqs) kept as sorted, disjoint, maximal runs
 * [first, last]: what an ack is made of. Used by the Inbox for the messages
 * held back and for the seqs the hold timeout skipped. Reading the runs in
 * order is O(runs visited); `has`/`delete`/`add` O(log runs) plus moving the
 * runs after the point changed; removing from the bottom (`deleteBelow`,
 * delivery in order) O(runs removed) amortised.
 */
export class RunSet {
  private lo: number[] = [];
  private hi: number[] = [];
  /** Runs before `head` are gone (removed from the bottom, compacted later). */
  private head = 0;

  /** Number of runs. */
  get runCount(): number {
    return this.lo.length - this.head;
  }

  /** The lowest member, or undefined when empty. */
  first(): number | undefined {
    return this.lo[this.head];
  }

  /** The first member of run `i` (0 = lowest; i < runCount). */
  low(i: number): number {
    return this.lo[this.head + i] as number;
  }

  /** The last member of run `i` (0 = lowest; i < runCount). */
  high(i: number): number {
    return this.hi[this.head + i] as number;
  }

  has(x: number): boolean {
    const i = this.firstEndingAtOrAfter(x);
    return i < this.lo.length && (this.lo[i] as number) <= x;
  }

  /** Adds `x` (no-op when present), joining the runs it touches. */
  add(x: number): void {
    const i = this.firstEndingAtOrAfter(x - 1);
    if (i < this.lo.length && (this.lo[i] as number) <= x + 1) {
      const lo = this.lo[i] as number;
      const hi = this.hi[i] as number;
      if (x === lo - 1) this.lo[i] = x;
      else if (x === hi + 1) {
        if (this.lo[i + 1] === x + 1) {
          this.hi[i] = this.hi[i + 1] as number;
          this.lo.splice(i + 1, 1);
          this.hi.splice(i + 1, 1);
        } else this.hi[i] = x;
      }
      return; // else already inside
    }
    this.lo.splice(i, 0, x);
    this.hi.splice(i, 0, x);
  }

  /** Adds every integer in [from, to], joining the runs it overlaps or touches. */
  addRange(from: number, to: number): void {
    if (from > to) return;
    const i = this.firstEndingAtOrAfter(from - 1);
    let j = i;
    let lo = from;
    let hi = to;
    while (j < this.lo.length && (this.lo[j] as number) <= to + 1) {
      lo = Math.min(lo, this.lo[j] as number);
      hi = Math.max(hi, this.hi[j] as number);
      j++;
    }
    this.lo.splice(i, j - i, lo);
    this.hi.splice(i, j - i, hi);
  }

  /** Removes `x` if present (splitting its run). */
  delete(x: number): void {
    const i = this.firstEndingAtOrAfter(x);
    if (i >= this.lo.length) return;
    const lo = this.lo[i] as number;
    const hi = this.hi[i] as number;
    if (x < lo) return;
    if (lo === hi) {
      if (i === this.head) this.dropHead();
      else {
        this.lo.splice(i, 1);
        this.hi.splice(i, 1);
      }
    } else if (x === lo) this.lo[i] = x + 1;
    else if (x === hi) this.hi[i] = x - 1;
    else {
      this.hi[i] = x - 1;
      this.lo.splice(i + 1, 0, x + 1);
      this.hi.splice(i + 1, 0, hi);
    }
  }

  /** Removes every member below `x`. */
  deleteBelow(x: number): void {
    while (this.head < this.lo.length && (this.hi[this.head] as number) < x) this.dropHead();
    if (this.head < this.lo.length && (this.lo[this.head] as number) < x) this.lo[this.head] = x;
  }

  /** Index of the first run with last >= x (lo.length when none). */
  private firstEndingAtOrAfter(x: number): number {
    let lo = this.head;
    let hi = this.lo.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.hi[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dropHead(): void {
    this.head++;
    if (this.head === this.lo.length) {
      this.lo = [];
      this.hi = [];
      this.head = 0;
    } else if (this.head > 32 && this.head * 2 > this.lo.length) {
      this.lo = this.lo.slice(this.head);
      this.hi = this.hi.slice(this.head);
      this.head = 0;
    }
  }
}
