/**
 * The simulation's randomness: one seed drives the whole run. Every random
 * choice (the scenario, each link's faults) comes from a `Random` forked from
 * the run's seed, so that one seed replays the same run exactly.
 */
import { deriveSeed, mulberry32 } from '@udpchat/net';

export class Random {
  private readonly next: () => number;
  private forks = 0;

  /** @param seed a 32-bit unsigned seed (other numbers are truncated to one). */
  constructor(readonly seed: number) {
    this.next = mulberry32(seed >>> 0);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** A whole number in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A float in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  /** True with probability `p` (0 to 1). */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /**
   * One element of `items`.
   * @throws RangeError for an empty array.
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /**
   * An independent stream for one part of the run (e.g. one link), derived
   * from this one's seed and the number of forks so far: adding draws to one
   * part does not shift the others.
   */
  fork(): Random {
    this.forks++;
    return new Random(deriveSeed((this.seed + Math.imul(this.forks, 0x9e37_79b1)) >>> 0));
  }
}
