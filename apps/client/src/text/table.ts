/** Text tables for fixed-width terminals. */
import { displayWidth, padToWidth } from './width.js';

/**
 * Rows of `[left, right]` as lines with the right column aligned by display
 * width (CJK and emoji count two columns): every left cell padded to the widest
 * left cell plus `gap` spaces. A row with an empty right cell is kept as it is.
 */
export function alignColumns(rows: ReadonlyArray<readonly [string, string]>, gap = 2): string[] {
  const width = Math.max(0, ...rows.filter(([, right]) => right !== '').map(([left]) => displayWidth(left)));
  return rows.map(([left, right]) => (right === '' ? left : `${padToWidth(left, width + gap)}${right}`));
}
