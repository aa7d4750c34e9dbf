/**
 * A binary min-heap whose entries know their slot, so one can be removed or
 * re-keyed in place: the delivery timers (next transmission, give-up
 * deadline, the ready queue) and the Inbox's oldest held message. Nothing is
 * left behind stale and nothing is allocated per entry. push/pop/remove/update
 * O(log n), peek O(1).
 */
export class IndexedHeap<T> {
  private readonly items: T[] = [];

  /**
   * @param less true when `a` must come out before `b`.
   * @param slotOf the slot stored in an entry (-1 when in no heap of this kind).
   * @param setSlot stores an entry's slot (-1 when it leaves).
   */
  constructor(
    private readonly less: (a: T, b: T) => boolean,
    private readonly slotOf: (item: T) => number,
    private readonly setSlot: (item: T, slot: number) => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Whether `item` is in this heap. */
  has(item: T): boolean {
    const i = this.slotOf(item);
    return i >= 0 && this.items[i] === item;
  }

  /** The first entry, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds `item` (which must not be in this heap). */
  push(item: T): void {
    this.items.push(item);
    this.up(this.items.length - 1, item);
  }

  /** Removes and returns the first entry, or undefined when empty. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `item` if it is in this heap. */
  remove(item: T): void {
    if (!this.has(item)) return;
    const i = this.slotOf(item);
    this.setSlot(item, -1);
    const last = this.items.pop() as T;
    if (last === item) return;
    this.items[i] = last;
    this.setSlot(last, i);
    this.update(last);
  }

  /** Puts `item` back in order after its key changed (adds it when absent). */
  update(item: T): void {
    if (!this.has(item)) return this.push(item);
    const i = this.slotOf(item);
    const parent = (i - 1) >> 1;
    if (i > 0 && this.less(item, this.items[parent] as T)) this.up(i, item);
    else this.down(i, item);
  }

  /** Removes every entry, returning them (in no particular order). */
  clear(): T[] {
    const all = this.items.splice(0);
    for (const item of all) this.setSlot(item, -1);
    return all;
  }

  private up(start: number, item: T): void {
    const items = this.items;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!this.less(item, p)) break;
      items[i] = p;
      this.setSlot(p, i);
      i = parent;
    }
    items[i] = item;
    this.setSlot(item, i);
  }

  private down(start: number, item: T): void {
    const items = this.items;
    const n = items.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(items[r] as T, items[l] as T) ? r : l;
      const c = items[child] as T;
      if (!this.less(c, item)) break;
      items[i] = c;
      this.setSlot(c, i);
      i = child;
    }
    items[i] = item;
    this.setSlot(item, i);
  }
}
