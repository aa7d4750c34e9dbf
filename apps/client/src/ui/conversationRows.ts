/**
 * Lays a conversation out as terminal rows, rendering only what fits: it
 * wraps entries from the newest backwards until the pane (plus the scroll
 * offset) is full, so the cost per frame depends on the pane's height, not
 * on the length of the history. Wrapped rows are cached per entry and width.
 */
import { deliveryMark } from '../state/deliveryMark.js';
import type { ConversationEntry } from '../state/types.js';
import { clockTime, shortClockTime } from '../text/time.js';
import { displayWidth, padToWidth, truncateMiddle, wrapToWidth } from '../text/width.js';
import { contactColor, type ColorOf } from './contactColors.js';
import { theme, type ColorToken } from './theme.js';

/** A run of text with one style. */
export interface RowPart {
  text: string;
  color?: ColorToken;
  backgroundColor?: ColorToken;
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

/** Columns of the sender name on a wide pane (fits a plain-text peer's name, e.g. 127.0.0.1:54321). */
export const SENDER_COLUMNS = 15;

/**
 * How a message row is laid out at a pane width: the time (`HH:MM:SS`,
 * `HH:MM` or none), the sender column, the gap after each, or `flow` (the
 * narrowest panes): the name starts the first row and the text flows around it.
 */
export interface MessageColumns {
  /** Time format, or null for no time. */
  time: 'long' | 'short' | null;
  /** Columns of the time (0 without). */
  timeColumns: number;
  /** Columns of the sender name. */
  senderColumns: number;
  /** Spaces after the time and after the name. */
  gap: number;
  /** True when the text flows under the name (no columns). */
  flow: boolean;
}

/**
 * The columns for a pane of `width` columns of text: 27 columns of time and
 * name only from 64 on; HH:MM and a 12-column name from 44; no time and a
 * 10-column name from 32; below that the text flows under the name.
 */
export function messageColumns(width: number): MessageColumns {
  if (width >= 64) return { time: 'long', timeColumns: 8, senderColumns: SENDER_COLUMNS, gap: 2, flow: false };
  if (width >= 44) return { time: 'short', timeColumns: 5, senderColumns: 12, gap: 1, flow: false };
  if (width >= 32) return { time: null, timeColumns: 0, senderColumns: 10, gap: 1, flow: false };
  return { time: null, timeColumns: 0, senderColumns: Math.max(3, Math.min(10, Math.floor(width / 2) - 1)), gap: 1, flow: true };
}

const cache = new WeakMap<ConversationEntry, { width: number; status: string; color: ColorToken; rows: Row[] }>();

/**
 * The rows of one entry at `width` columns, cached per entry, width, sender
 * colour and (own messages change) delivery state.
 */
export function entryRows(entry: ConversationEntry, width: number, colorOf: ColorOf = contactColor): Row[] {
  const status = entry.kind === 'message' && entry.delivery ? deliveryMark(entry.delivery) : '';
  const color = entry.kind === 'message' && !entry.own ? colorOf(entry.from) : undefined;
  const hit = cache.get(entry);
  if (hit && hit.width === width && hit.status === status && hit.color === color) return hit.rows;
  const rows = layoutEntry(entry, width, color);
  cache.set(entry, { width, status, color, rows });
  return rows;
}

function layoutEntry(entry: ConversationEntry, width: number, color: ColorToken): Row[] {
  const columns = messageColumns(width);
  const gap = ' '.repeat(columns.gap);
  const time = columns.time === 'long' ? clockTime(entry.time) : columns.time === 'short' ? shortClockTime(entry.time) : '';
  const timePart: RowPart = { text: time ? `${time}${gap}` : '', color: theme.text.secondary };
  const timeWidth = time ? columns.timeColumns + columns.gap : 0;
  if (entry.kind === 'system') {
    const style = entry.level === 'error' ? { color: theme.status.error } : { color: theme.text.secondary, italic: true };
    // `· text`, continuation rows indented under the text (a hanging indent).
    return wrapToWidth(entry.text, Math.max(8, width - timeWidth - 2)).map((line, i) => ({
      key: `${entry.id}:${i}`,
      parts: [i === 0 ? timePart : { text: ' '.repeat(timeWidth) }, { text: `${i === 0 ? '·' : ' '} ${line}`, ...style }],
    }));
  }
  const mark = entry.delivery ? `  ${deliveryMark(entry.delivery)}` : '';
  const failed = entry.delivery?.state === 'failed';
  const senderStyle: RowPart = entry.own ? { text: '', color: theme.text.own, bold: true } : { text: '', color, bold: true };
  const textStyle: RowPart = entry.own
    ? { text: '', color: failed ? theme.status.error : theme.text.primary }
    : { text: '', color };
  const name = truncateMiddle(entry.from, columns.senderColumns);
  if (columns.flow) {
    // The name's columns are held by spaces while wrapping, then drawn over them.
    const held = displayWidth(name) + columns.gap;
    const lines = wrapToWidth(`${' '.repeat(held)}${entry.text}${mark}`, width);
    return lines.map((line, i) => ({
      key: `${entry.id}:${i}`,
      parts:
        i === 0
          ? [{ ...senderStyle, text: name }, { text: gap }, { ...textStyle, text: line.slice(held) }]
          : [{ ...textStyle, text: line }],
    }));
  }
  const prefixWidth = timeWidth + columns.senderColumns + columns.gap;
  const textWidth = Math.max(8, width - prefixWidth);
  const indent = ' '.repeat(Math.min(prefixWidth, Math.max(0, width - textWidth)));
  const lines = wrapToWidth(entry.text + mark, textWidth);
  return lines.map((line, i) => ({
    key: `${entry.id}:${i}`,
    parts:
      i === 0
        ? [timePart, { ...senderStyle, text: padToWidth(name, columns.senderColumns) }, { text: gap }, { ...textStyle, text: line }]
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
  colorOf: ColorOf = contactColor,
): { rows: Row[]; scrollBack: number; atTop: boolean } {
  const want = height + Math.max(0, scrollBack);
  const collected: Row[][] = [];
  let count = 0;
  let i = entries.length - 1;
  for (; i >= 0 && count < want; i--) {
    const rows = entryRows(entries[i] as ConversationEntry, width, colorOf);
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
    // By id, not identity: the store replaces an entry object when it changes (a delivery mark).
    if (entry.id === anchor.id) return { rows, messages };
    rows += entryRows(entry, width).length;
    if (entry.kind === 'message' && !entry.own) messages++;
  }
  return null;
}
