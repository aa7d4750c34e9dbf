/**
 * Layout and colour of conversation rows on narrow terminals (issue 10 #15):
 * the time and name columns shrink with the pane, long names stay apart, and
 * the contacts in the list get distinct colours.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationEntry, MessageEntry } from '../src/state/types.js';
import { conversationViewport } from '../src/ui/components/ConversationPane.js';
import { assignContactColors, preferredColorIndex } from '../src/ui/contactColors.js';
import { entryRows, messageColumns, rowWidth } from '../src/ui/conversationRows.js';
import { computeLayout } from '../src/ui/layout.js';
import { theme } from '../src/ui/theme.js';

const message = (from: string, text: string, id = `${from}:${text}`): MessageEntry => ({
  kind: 'message', id, from, text, time: new Date(2026, 0, 1, 9, 5, 7).getTime(), own: false, delivery: null,
});
const rowText = (entry: ConversationEntry, width: number) => entryRows(entry, width).map((r) => r.parts.map((p) => p.text).join(''));
/** Columns of text in the conversation pane of a terminal. */
const paneText = (columns: number, rows: number) => {
  const layout = computeLayout(columns, rows);
  return conversationViewport(layout.conversationWidth, layout.paneHeight).innerWidth;
};

describe('message columns', () => {
  const sentence = 'the quick brown fox jumps over the lazy dog again and again';

  it('keeps HH:MM:SS and 15 name columns at 120 columns', () => {
    const [first] = rowText(message('alice', sentence), paneText(120, 35));
    expect(first).toMatch(/^09:05:07 {2}alice {12}the quick/);
  });

  it('uses HH:MM and a narrower name at 80 columns', () => {
    const width = paneText(80, 24);
    expect(messageColumns(width).time).toBe('short');
    expect(rowText(message('alice', sentence), width)[0]).toMatch(/^09:05 alice {8}the quick/);
  });

  it('gives the text more than 13 columns at 60×20', () => {
    const width = paneText(60, 20);
    const columns = messageColumns(width);
    const textColumns = width - columns.timeColumns - (columns.time ? columns.gap : 0) - columns.senderColumns - columns.gap;
    expect(textColumns).toBeGreaterThanOrEqual(25);
    const rows = rowText(message('alice', sentence), width);
    expect(rows[0]).toMatch(/^alice {6}the quick brown/);
  });

  it('at 40×12 starts every message with its words, not `…`', () => {
    const width = paneText(40, 12);
    for (const entry of [message('alice', sentence), message('bob', 'hi'), message('x', '你好你好你好你好你好你好')]) {
      const rows = entryRows(entry, width);
      const first = rows[0]?.parts.map((p) => p.text).join('') ?? '';
      expect(first).not.toMatch(/^\s*…/);
      expect(first.startsWith(entry.from)).toBe(true);
      for (const row of rows) expect(rowWidth(row)).toBeLessThanOrEqual(width);
    }
    expect(rowText(message('bob', 'hi'), width)).toEqual(['bob hi']);
  });

  it('shows long names so that they differ', () => {
    const width = paneText(120, 35);
    const a = rowText(message('abcdefghijklmnopq-alice', 'hi'), width)[0];
    const b = rowText(message('abcdefghijklmnopq-bob', 'hi'), width)[0];
    expect(a).not.toBe(b);
    expect(a).toContain('…');
  });
});

describe('contact colours', () => {
  it('gives alice and bob different colours although their names hash alike', () => {
    const palette = theme.contactPalette;
    expect(preferredColorIndex('alice', palette.length)).toBe(preferredColorIndex('bob', palette.length)); // the collision seen in issue 10
    const colors = assignContactColors(['alice', 'bob']);
    expect(colors.get('alice')).not.toBe(colors.get('bob'));
  });

  it('is distinct for as many names as the palette has, whatever the order', () => {
    const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan'];
    const colors = assignContactColors(names);
    expect(new Set(colors.values()).size).toBe(names.length);
    expect(assignContactColors([...names].reverse())).toEqual(colors);
  });

  it('keeps a name on its own colour when it is free', () => {
    const palette = theme.contactPalette;
    const carol = assignContactColors(['carol', 'alice', 'bob']).get('carol');
    expect(carol).toBe(palette[preferredColorIndex('carol', palette.length)]);
  });
});
