/**
 * Per-address rate limit (PROTOCOL.md §6.3): a token bucket per source
 * address (IP and port) of `rate` datagrams/s with bursts of `burst`,
 * checked on every received datagram before it is decoded, so that a
 * flooding address costs one map lookup and a little arithmetic per datagram.
 */
import { BoundedMap } from './boundedMap.js';

/** Default rate per source address, in datagrams/s (PROTOCOL.md §6.3). */
export const DEFAULT_RATE_LIMIT = 200;
/** Default number of buckets (addresses) remembered at once. */
export const DEFAULT_RATE_LIMIT_ENTRIES = 100_000;

interface Bucket {
  /** Datagrams that may still be received at once (fractional). */
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
  /** Whether the last datagram was refused (to report each flood episode once). */
  limited: boolean;
}

/**
 * What `RateLimiter.take` decided: `ok` (within the limit), `limited` (over
 * it: drop), `started` (over it, and the first refusal since the address was
 * last within its limit: drop, and worth one log line).
 */
export type RateVerdict = 'ok' | 'limited' | 'started';

/** Token buckets per address, bounded (`maxEntries`, oldest evicted) and expiring once full again. */
export class RateLimiter {
  private readonly buckets: BoundedMap<Bucket>;
  private readonly perMs: number;
  /** Time after which an untouched bucket is full again (and is forgotten by `sweep`), in ms. */
  private readonly refillMs: number;

  /**
   * @param rate datagrams/s per address (> 0).
   * @param burst bucket size in datagrams (default 2 × rate, at least 1).
   * @param maxEntries most addresses remembered (default 100 000).
   */
  constructor(
    readonly rate: number,
    readonly burst: number = Math.max(1, 2 * rate),
    maxEntries: number = DEFAULT_RATE_LIMIT_ENTRIES,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be above 0 (got ${String(rate)})`);
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst must be at least 1 (got ${String(burst)})`);
    this.buckets = new BoundedMap<Bucket>({ maxEntries });
    this.perMs = rate / 1000;
    this.refillMs = (burst / rate) * 1000;
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes one datagram from `key`'s bucket.
   * @param key the source address, `ip:port` (endpointKey).
   * @param now monotonic time in ms.
   */
  take(key: string, now: number): RateVerdict {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, { tokens: this.burst - 1, at: now, limited: false });
      return 'ok';
    }
    const elapsed = now - bucket.at;
    if (elapsed > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.limited = false;
      return 'ok';
    }
    if (bucket.limited) return 'limited';
    bucket.limited = true;
    return 'started';
  }

  /** Forgets the buckets that are full again (idle for burst/rate s): they behave like new ones. */
  sweep(now: number): void {
    this.buckets.sweep((b) => now - b.at >= this.refillMs);
  }
}
