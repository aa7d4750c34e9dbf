/**
 * A simulated unreliable network, for demos and tests: on the receive path
 * of a UDP socket, drops, duplicates and reorders datagrams at given rates,
 * deterministically for a seed. Used by the relay (`--simulate-loss` …), the
 * client's transport and the tests' lossy proxy; the flags are in simulateFlags.ts.
 *
 * Off (every rate 0) it should not be in the path at all: callers check
 * `LossSimulator.isActive` and only then wrap their handler.
 */

/** Rates of the simulated faults and the seed of their random numbers. */
export interface SimulateOptions {
  /** Share of received datagrams dropped, 0 to 1 (0.2 = one in five). */
  loss: number;
  /** Share of the datagrams not dropped that are delivered twice, 0 to 1. */
  duplicate: number;
  /** Share of the datagrams not dropped that are held back and delivered after the next one, 0 to 1. */
  reorder: number;
  /** Seed of the random numbers: a whole number from 0 to 2^32-1. Same seed, same decisions. */
  seed: number;
}

/** Counters of a `LossSimulator`. Every count is in datagrams. */
export interface SimulatorStats {
  /** Datagrams handed to the simulator (before any fault). */
  received: number;
  /** Datagrams dropped (never delivered). */
  dropped: number;
  /** Datagrams delivered twice. */
  duplicated: number;
  /** Datagrams held back, to be delivered after the next datagram (or, when none comes, after a short delay). */
  reordered: number;
}

/** The seed used when none is given. */
export const DEFAULT_SEED = 1;

/** Largest seed (seeds are unsigned 32-bit integers). */
export const MAX_SEED = 0xffff_ffff;

/** How long a held-back datagram waits for a next datagram before it is delivered anyway, in ms. */
export const DEFAULT_HOLD_MS = 10;

/** Every rate 0, seed 1: no simulation. */
export const NO_SIMULATION: Readonly<SimulateOptions> = Object.freeze({ loss: 0, duplicate: 0, reorder: 0, seed: DEFAULT_SEED });

function checkRate(name: keyof SimulateOptions, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`simulate.${name} must be a number from 0 to 1 (got ${String(value)})`);
  }
  return value;
}

/**
 * Fills in missing fields (rates 0, seed 1) and checks them.
 * @returns a complete, frozen copy.
 * @throws RangeError when a rate is not a number from 0 to 1 (NaN included)
 *   or the seed is not a whole number from 0 to 2^32-1.
 */
export function resolveSimulateOptions(options: Partial<SimulateOptions> = {}): SimulateOptions {
  const seed = options.seed ?? DEFAULT_SEED;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`simulate.seed must be a whole number from 0 to ${MAX_SEED} (got ${String(seed)})`);
  }
  return Object.freeze({
    loss: checkRate('loss', options.loss ?? 0),
    duplicate: checkRate('duplicate', options.duplicate ?? 0),
    reorder: checkRate('reorder', options.reorder ?? 0),
    seed,
  });
}

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit-state PRNG, period
 * 2^32, good enough statistically for simulating faults and fast; NOT
 * cryptographic. The same seed always gives the same sequence, on every
 * platform (integer arithmetic only).
 * @param seed any number; taken modulo 2^32.
 * @returns a function giving the next number in [0, 1) on each call.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A second seed derived from `seed` (for a second, independent simulator,
 * e.g. the other direction of a proxy): a 32-bit mix of it. Deterministic.
 */
export function deriveSeed(seed: number): number {
  let x = (seed ^ 0x9e37_79b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85eb_ca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2_ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** A datagram handler: the bytes and where they came from (`RemoteInfo` for a dgram socket). */
export type DatagramHandler<R> = (bytes: Buffer, rinfo: R) => void;

/** Percent text without float noise: 0.2 -> `20%`, 0.075 -> `7.5%`. */
function percent(rate: number): string {
  return `${String(Number((rate * 100).toFixed(4)))}%`;
}

/**
 * Applies simulated faults to received datagrams. For each datagram, three
 * random numbers are drawn (always three, so a decision never depends on the
 * other rates): with probability `loss` it is dropped; otherwise with
 * probability `duplicate` it is delivered twice, and with probability
 * `reorder` it (with its copy) is held back and delivered right after the
 * next datagram that is not held back, or, when none comes, after `holdMs`
 * (an unref'd timer; it changes when a held datagram is delivered, never
 * whether). Decisions depend only on the seed and the order of arrival.
 * Nothing is lost by reordering: every held datagram is delivered, unless
 * `close` discards it.
 */
export class LossSimulator {
  /** The complete, checked options. */
  readonly options: SimulateOptions;
  private readonly random: () => number;
  private readonly holdMs: number;
  private readonly held: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly counts: SimulatorStats = { received: 0, dropped: 0, duplicated: 0, reordered: 0 };

  /**
   * @param options rates and seed; missing fields are 0 (rates) and 1 (seed).
   * @param holdMs how long a held-back datagram waits for a next one, in ms (1 to 1000; default 10).
   * @throws RangeError for a rate outside 0..1 (or NaN), a bad seed or a bad `holdMs`.
   */
  constructor(options: Partial<SimulateOptions> = {}, holdMs = DEFAULT_HOLD_MS) {
    this.options = resolveSimulateOptions(options);
    if (!Number.isInteger(holdMs) || holdMs < 1 || holdMs > 1000) {
      throw new RangeError(`holdMs must be a whole number from 1 to 1000 (got ${String(holdMs)})`);
    }
    this.holdMs = holdMs;
    this.random = mulberry32(this.options.seed);
  }

  /**
   * Whether `options` asks for any fault (some rate above 0). When it does
   * not, do not create a simulator at all: no cost on the receive path.
   * Does not check the values.
   */
  static isActive(options: Partial<SimulateOptions> | null | undefined): boolean {
    if (!options) return false;
    return (options.loss ?? 0) > 0 || (options.duplicate ?? 0) > 0 || (options.reorder ?? 0) > 0;
  }

  /** Whether this simulator's options ask for any fault. */
  get active(): boolean {
    return LossSimulator.isActive(this.options);
  }

  /**
   * Wraps a datagram handler: the returned function applies the faults and
   * calls `deliver` zero, one or two times, now or later (held back). Every
   * function returned by one simulator shares its random numbers, counters and
   * held-back queue. After `close`, the returned function ignores its calls.
   * An exception thrown by `deliver` propagates to the caller (or, for a
   * delivery by the timer, is thrown from the timer after every held
   * datagram was delivered).
   */
  wrap<R>(deliver: DatagramHandler<R>): DatagramHandler<R> {
    return (bytes, rinfo) => this.receive(() => deliver(bytes, rinfo));
  }

  private receive(deliverOnce: () => void): void {
    if (this.closed) return;
    this.counts.received++;
    const dropRoll = this.random();
    const duplicateRoll = this.random();
    const reorderRoll = this.random();
    if (dropRoll < this.options.loss) {
      this.counts.dropped++;
      return;
    }
    const copies = duplicateRoll < this.options.duplicate ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    const deliver = copies === 2 ? () => (deliverOnce(), deliverOnce()) : deliverOnce;
    if (reorderRoll < this.options.reorder) {
      this.counts.reordered++;
      this.held.push(deliver);
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.flush();
        }, this.holdMs);
        this.timer.unref();
      }
      return;
    }
    try {
      deliver();
    } finally {
      this.flush();
    }
  }

  /**
   * Delivers every held-back datagram now, in the order they were held.
   * @throws the first exception a delivery threw, after trying them all.
   */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const due = this.held.splice(0);
    let failure: { error: unknown } | null = null;
    for (const deliver of due) {
      try {
        deliver();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  /** Number of datagrams held back right now. */
  get pending(): number {
    return this.held.length;
  }

  /** Discards the held-back datagrams and stops: later calls of wrapped handlers are ignored. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held.length = 0;
  }

  /** A copy of the counters. */
  stats(): SimulatorStats {
    return { ...this.counts };
  }

  /** One line for a log or a status line, e.g. `simulating loss 20%, duplicate 0%, reorder 0% (seed 1)`. */
  describe(): string {
    const { loss, duplicate, reorder, seed } = this.options;
    return `simulating loss ${percent(loss)}, duplicate ${percent(duplicate)}, reorder ${percent(reorder)} (seed ${seed})`;
  }
}
