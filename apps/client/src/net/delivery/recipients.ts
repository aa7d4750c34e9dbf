/**
 * Who a pending message waits for, by name (PROTOCOL.md §5, "Group
 * messages"): the recipients expected when it was written, less those seen
 * leaving. An ack from anyone else (a client whose join was missed, one that
 * came back after being given up) is recorded and counts towards the relay's
 * count, but never stands in for an expected recipient: a group message is
 * delivered only once every expected recipient acked it by name (found by
 * apps/sim: acks counted, not who acked, ended "delivered k of k" while an
 * expected recipient, online all along, never got it).
 */
import type { Pending } from './pending.js';

/** Records `key`'s ack of `p`. @returns false when `key` had acked it already. */
export function recordAck(p: Pending, key: string): boolean {
  if (p.ackedBy.has(key)) return false;
  p.ackedBy.add(key);
  if (p.expected.has(key)) p.unacked--;
  return true;
}

/**
 * `key` left: `p` no longer waits for it, and its ack (if any) no longer
 * counts (a relay restarted since counts only those online now).
 * @returns whether `key` was expected or had acked (the relay's count then drops by one).
 */
export function dropRecipient(p: Pending, key: string): boolean {
  const expected = p.expected.delete(key);
  const acked = p.ackedBy.delete(key);
  if (expected && !acked) p.unacked--;
  return expected || acked;
}

/** Recipient `from` is now called `to` (a rename at the relay): its place follows it. */
export function renameRecipient(p: Pending, from: string, to: string): void {
  if (p.expected.delete(from)) p.expected.add(to);
  if (p.ackedBy.delete(from)) p.ackedBy.add(to);
  p.unacked = countUnacked(p.expected, p.ackedBy);
}

/** How many of `expected` are not in `ackedBy`. */
export function countUnacked(expected: ReadonlySet<string>, ackedBy: ReadonlySet<string>): number {
  let n = 0;
  for (const key of expected) if (!ackedBy.has(key)) n++;
  return n;
}

/**
 * Whether `p` is delivered: someone acked it and every expected recipient
 * did; for a group message also the relay has it (relay-ack) and at least
 * as many clients acked it as the relay forwarded it to (a recipient this
 * client never heard of, a lost join, still counts). O(1).
 */
export function isDelivered(p: Pending, group: boolean): boolean {
  if (p.ackedBy.size === 0 || p.unacked > 0) return false;
  return !group || (p.recipients !== null && p.ackedBy.size >= p.recipients);
}
