/**
 * The throttle of the relay's answers to unauthenticated `hello`s
 * (SECRET_REQUIRED, CLOCK_SKEW, NO_SECRET; PROTOCOL.md §6.2): one per address
 * per second, in a bounded table (§6.3). Used by the auth gate (receive/authGate.ts).
 */
import { BoundedMap } from '@udpchat/net';

/** Least time between two SECRET_REQUIRED / CLOCK_SKEW / NO_SECRET answers to one address, in ms (PROTOCOL.md §6.2). */
export const AUTH_REPLY_INTERVAL_MS = 1_000;
/** Most addresses whose last such answer is remembered. */
export const AUTH_REPLY_ENTRIES = 10_000;

/**
 * At most one answer per address per `intervalMs`. Fails closed: when the
 * table is full of addresses answered within the interval, nobody new is
 * answered until they age out.
 */
export class ReplyThrottle {
  private readonly last: BoundedMap<number>;

  constructor(
    private readonly intervalMs: number = AUTH_REPLY_INTERVAL_MS,
    maxEntries: number = AUTH_REPLY_ENTRIES,
  ) {
    this.last = new BoundedMap<number>({ maxEntries });
  }

  /** Whether `key` may be answered at `now` (ms); if so, records it. */
  allow(key: string, now: number): boolean {
    const last = this.last.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (last === undefined && this.last.full) {
      this.sweep(now);
      if (this.last.full) return false;
    }
    this.last.set(key, now);
    return true;
  }

  /** Forgets addresses answered more than `intervalMs` ago. */
  sweep(now: number): void {
    this.last.sweep((at) => now - at >= this.intervalMs);
  }
}
