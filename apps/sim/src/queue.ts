/**
 * A queue of timed items (a binary min-heap): items come out by time, and
 * items due at the same time in the order they were pushed, so that a run
 * is deterministic.
 */

interface Entry<T> {
  at: number;
  order: number;
  item: T;
}

export class TimedQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private pushed = 0;

  /** Items waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** When the first item is due, in ms (+Infinity when empty). */
  nextAt(): number {
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Adds `item`, due at `at` (ms). */
  push(at: number, item: T): void {
    const heap = this.heap;
    heap.push({ at, order: this.pushed++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry<T>, heap[parent] as Entry<T>)) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  /** Removes and returns the first item if it is due at or before `now`, else undefined. */
  popDue(now: number): T | undefined {
    const heap = this.heap;
    const first = heap[0];
    if (!first || first.at > now) return undefined;
    const last = heap.pop() as Entry<T>;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Entry<T>, heap[m] as Entry<T>)) m = l;
        if (r < heap.length && before(heap[r] as Entry<T>, heap[m] as Entry<T>)) m = r;
        if (m === i) break;
        swap(heap, i, m);
        i = m;
      }
    }
    return first.item;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

function swap<T>(heap: Entry<T>[], i: number, j: number): void {
  const t = heap[i] as Entry<T>;
  heap[i] = heap[j] as Entry<T>;
  heap[j] = t;
}
