/** What an `ack` covers (PROTOCOL.md §4.12): its cumulative `upTo` and selective ranges as runs of seqs. */
import type { AckMessage } from '@udpchat/protocol';

/** Whether the ack's ranges are ascending, non-empty, above `upTo` and apart: walked as they are. */
export function inSeqOrder(ack: AckMessage): boolean {
  let end = ack.upTo;
  for (const [from, to] of ack.ranges) {
    if (from <= end || to < from) return false;
    end = to;
  }
  return true;
}

/**
 * The seqs an ack covers (1..upTo and its ranges) as sorted, disjoint runs,
 * so they are visited in seq order whatever order or overlap the ranges came in.
 */
export function coveredRuns(ack: AckMessage): Array<[number, number]> {
  const runs: Array<[number, number]> = ack.upTo >= 1 ? [[1, ack.upTo]] : [];
  for (const [a, b] of ack.ranges) if (a <= b) runs.push([a, b]);
  if (runs.length <= 1) return runs;
  runs.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [runs[0] as [number, number]];
  for (let i = 1; i < runs.length; i++) {
    const run = runs[i] as [number, number];
    const top = merged[merged.length - 1] as [number, number];
    if (run[0] <= top[1] + 1) top[1] = Math.max(top[1], run[1]);
    else merged.push([run[0], run[1]]);
  }
  return merged;
}
