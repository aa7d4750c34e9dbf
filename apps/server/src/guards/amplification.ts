/**
 * Anti-amplification (PROTOCOL.md §6.1): to an address that has not
 * completed registration, the relay never sends more bytes in all than it
 * received from it — a factor of 1, stricter than RFC 9000 §8.1's 3. A
 * forged source address thus makes the relay send its victim at most what
 * the forger sent.
 */
import { BoundedMap } from '@udpchat/net';

/** Idle time after which an address's credit is forgotten, in ms (twice PENDING_TIMEOUT_MS). */
export const AMPLIFICATION_IDLE_MS = 10_000;
/** Default number of addresses tracked at once. */
export const DEFAULT_AMPLIFICATION_ENTRIES = 100_000;

interface Credit {
  /** Bytes received from the address (UDP payload). */
  received: number;
  /** Bytes sent to it. */
  sent: number;
  /** Last credit or spend, in ms. */
  at: number;
}

/**
 * Bytes received from and sent to each unvalidated address. Bounded and
 * expiring: a forgotten address starts again from nothing received and
 * nothing sent, so the rule still holds for everything sent since.
 */
export class AmplificationLimiter {
  private readonly credits: BoundedMap<Credit>;

  constructor(maxEntries: number = DEFAULT_AMPLIFICATION_ENTRIES) {
    this.credits = new BoundedMap<Credit>({ maxEntries });
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.credits.size;
  }

  /** `bytes` bytes arrived from `key` (endpointKey) at `now` (ms). */
  credit(key: string, bytes: number, now: number): void {
    const credit = this.credits.get(key);
    if (credit === undefined) this.credits.set(key, { received: bytes, sent: 0, at: now });
    else {
      credit.received += bytes;
      credit.at = now;
    }
  }

  /** How many bytes may still be sent to `key`. */
  available(key: string): number {
    const credit = this.credits.get(key);
    return credit === undefined ? 0 : credit.received - credit.sent;
  }

  /** `bytes` bytes were sent to `key` (the caller checked `available`). */
  spend(key: string, bytes: number, now: number): void {
    const credit = this.credits.get(key);
    if (credit === undefined) return;
    credit.sent += bytes;
    credit.at = now;
  }

  /** `key` completed registration: no limit any more. */
  forget(key: string): void {
    this.credits.delete(key);
  }

  /** Forgets addresses idle for AMPLIFICATION_IDLE_MS. */
  sweep(now: number): void {
    this.credits.sweep((c) => now - c.at > AMPLIFICATION_IDLE_MS);
  }
}
