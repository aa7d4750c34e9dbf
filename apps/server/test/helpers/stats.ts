/**
 * Checks on the relay's counters shared by the tests (PROTOCOL.md §6.3 "Counters").
 */
import type { RelayStats } from '../../src/index.js';

/** Sum of the values of a counter table (`dropped`, `ignored`, …). */
export const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * True when the counters add up: received = accepted + malformed + empty + unauthenticated + rate-limited,
 * the drop reasons sum to the four drop classes, and the ignored datagrams are part of the accepted.
 */
export function addsUp(s: RelayStats): boolean {
  return (
    s.accepted + s.malformed + s.empty + s.unauthenticated + s.rateLimited === s.datagramsIn &&
    sum(s.dropped) === s.malformed + s.empty + s.unauthenticated + s.rateLimited &&
    sum(s.ignored) <= s.accepted
  );
}
