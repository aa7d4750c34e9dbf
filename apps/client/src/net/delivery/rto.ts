/**
 * Retransmission timeout estimation, RFC 6298 §2: SRTT and RTTVAR from
 * measured round trips (alpha 1/8, beta 1/4, K = 4), with this project's
 * bounds: initial RTO 500 ms, floor 100 ms (RFC 6298 §2.4 allows a lower floor
 * than 1 s on a LAN), and backoff capped at 2 s so a message gets many tries.
 */

/** Initial RTO before any sample, in ms. */
export const INITIAL_RTO_MS = 500;
/** Smallest RTO, in ms. */
export const MIN_RTO_MS = 100;
/** Largest RTO after backoff, in ms. */
export const MAX_RTO_MS = 2000;

const ALPHA = 1 / 8;
const BETA = 1 / 4;
const K = 4;
/** Clock granularity G of RFC 6298 §2, in ms. */
const GRANULARITY_MS = 1;

export class RtoEstimator {
  private srtt: number | null = null;
  private rttvar = 0;
  private rto = INITIAL_RTO_MS;

  /** Current RTO in ms, within [MIN_RTO_MS, MAX_RTO_MS]. */
  get current(): number {
    return this.rto;
  }

  /** Smoothed round-trip time in ms, or null before the first sample. */
  get smoothed(): number | null {
    return this.srtt;
  }

  /**
   * Adds one round-trip sample in ms. Per Karn's algorithm (RFC 6298 §3) the
   * caller must not sample a retransmitted message.
   */
  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt === null) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = (1 - BETA) * this.rttvar + BETA * Math.abs(this.srtt - r);
      this.srtt = (1 - ALPHA) * this.srtt + ALPHA * r;
    }
    this.rto = clampRto(this.srtt + Math.max(GRANULARITY_MS, K * this.rttvar));
  }
}

/** `ms` within [MIN_RTO_MS, MAX_RTO_MS]. */
export function clampRto(ms: number): number {
  return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, ms));
}

/** The next timeout after one more expiry: doubled (RFC 6298 §5.5), at most MAX_RTO_MS. */
export function backoff(rtoMs: number): number {
  return clampRto(rtoMs * 2);
}
