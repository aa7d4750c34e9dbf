/**
 * Lays a conversation out as terminal rows, rendering only what fits: it
 * wraps entries from the newest backwards until the pane (plus the scroll
 * offset) is full, so the cost per frame depends on the pane's height, not
 * on the length of the history. Wrapped rows are cached per entry and width.
 */
import type { DeliveryState } from '../net/delivery/states.js';
import type { ConversationEntry } from '../state/types.js';
import { clockTime } from '../text/time.js';
import { displayWidth, padToWidth, wrapToWidth } from '../text/width.js';
import { contactColor, theme } from './theme.js';

/** A run of text with one style. */
export interface RowPart {
  text: string;
  color?: string;
  backgroundColor?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
}

/** One terminal row of the conversation pane. */
export interface Row {
  /** Stable React key. */
  key: string;
  /** Styled runs; their display widths add up to at most the pane width. */
  parts: RowPart[];
}

/** Columns of the sender name. */
export const SENDER_COLUMNS = 15; // fits a plain-text peer's name, e.g. 127.0.0.1:54321
const TIME_COLUMNS = 8;
const GAP = '  ';

const cache = new WeakMap<ConversationEntry, { width: number; status: string; rows: Row[] }>();

/** The rows of one entry at `width` columns, cached per entry, width and (own messages change) delivery state. */
export function entryRows(entry: ConversationEntry, width: number): Row[] {
  const status = entry.kind === 'message' && entry.delivery ? deliveryMark(entry.delivery) : '';
  const hit = cache.get(entry);
  if (hit && hit.width === width && hit.status === status) return hit.rows;
  const rows = layoutEntry(entry, width);
  cache.set(entry, { width, status, rows });
  return rows;
}

/**
 * The mark after an own message: `◌` waiting for the relay, `…` sent, `✓` at
 * the relay, `✓✓` delivered (`✓✓ 2/3` in a group), `✗ reason` failed.
 */
export function deliveryMark(d: DeliveryState): string {
  switch (d.state) {
    case 'queued':
      return '◌';
    case 'sending':
      return '…';
    case 'at-relay':
      return d.final ? '✓ at relay' : d.acked > 0 ? `✓ ${d.acked}/${d.recipients}` : '✓';
    case 'delivered':
      return d.of > 1 ? `✓✓ ${d.delivered}/${d.of}` : '✓✓';
    case 'failed':
      return `✗ ${d.reason} · /retry`;
  }
}

function layoutEntry(entry: ConversationEntry, width: number): Row[] {
  const time = clockTime(entry.time);
  const prefixWidth = TIME_COLUMNS + GAP.length + SENDER_COLUMNS + GAP.length;
  const textWidth = Math.max(8, width - prefixWidth);
  const indent = ' '.repeat(Math.min(prefixWidth, Math.max(0, width - textWidth)));
  const timePart: RowPart = { text: `${time}${GAP}`, color: theme.text.secondary };
  if (entry.kind === 'system') {
    const style = entry.level === 'error' ? { color: theme.status.error } : { color: theme.text.secondary, italic: true };
    return wrapToWidth(`· ${entry.text}`, Math.max(8, width - TIME_COLUMNS - GAP.length)).map((line, i) => ({
      key: `${entry.id}:${i}`,
      parts: [i === 0 ? timePart : { text: ' '.repeat(TIME_COLUMNS + GAP.length) }, { text: line, ...style }],
    }));
  }
  const mark = entry.delivery ? `  ${deliveryMark(entry.delivery)}` : '';
  const failed = entry.delivery?.state === 'failed';
  const lines = wrapToWidth(entry.text + mark, textWidth);
  const sender: RowPart = entry.own
    ? { text: padToWidth(entry.from, SENDER_COLUMNS), color: theme.text.own, bold: true }
    : { text: padToWidth(entry.from, SENDER_COLUMNS), color: contactColor(entry.from), bold: true };
  const textStyle: RowPart = entry.own
    ? failed
      ? { text: '', color: theme.status.error }
      : { text: '', color: theme.text.primary }
    : { text: '', color: contactColor(entry.from) };
  return lines.map((line, i) => ({
    key: `${entry.id}:${i}`,
    parts:
      i === 0
        ? [timePart, sender, { text: GAP }, { ...textStyle, text: line }]
        : [{ text: indent }, { ...textStyle, text: line }],
  }));
}

/**
 * The rows to show: the last `height` rows after skipping `scrollBack` rows
 * from the bottom. Lays out only the newest entries needed.
 * @returns the rows (at most `height`) and the scroll offset actually applied
 *   (clamped when the history is shorter).
 */
export function visibleRows(
  entries: readonly ConversationEntry[],
  width: number,
  height: number,
  scrollBack: number,
): { rows: Row[]; scrollBack: number; atTop: boolean } {
  const want = height + Math.max(0, scrollBack);
  const collected: Row[][] = [];
  let count = 0;
  let i = entries.length - 1;
  for (; i >= 0 && count < want; i--) {
    const rows = entryRows(entries[i] as ConversationEntry, width);
    collected.push(rows);
    count += rows.length;
  }
  const all = collected.reverse().flat();
  const applied = Math.max(0, Math.min(scrollBack, all.length - height));
  const end = all.length - applied;
  return { rows: all.slice(Math.max(0, end - height), end), scrollBack: applied, atTop: i < 0 && end - height <= 0 };
}

/** Display width of a row (for tests). */
export function rowWidth(row: Row): number {
  return row.parts.reduce((sum, p) => sum + displayWidth(p.text), 0);
}

/**
 * The scroll offset `scrollBack` clamped to the content: at most the rows
 * above the last screenful (0 when everything fits). Lays out at most
 * `height + scrollBack` rows.
 */
export function clampScrollBack(entries: readonly ConversationEntry[], width: number, height: number, scrollBack: number): number {
  return visibleRows(entries, width, height, scrollBack).scrollBack;
}

/**
 * What came after `anchor` (an entry that was the newest): the rows those
 * entries take at `width`, and how many of them are messages from others.
 * @returns null when `anchor` is no longer among the entries.
 */
export function addedSince(
  entries: readonly ConversationEntry[],
  anchor: ConversationEntry,
  width: number,
): { rows: number; messages: number } | null {
  let rows = 0;
  let messages = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i] as ConversationEntry;
    if (entry === anchor) return { rows, messages };
    rows += entryRows(entry, width).length;
    if (entry.kind === 'message' && !entry.own) messages++;
  }
  return null;
}
