import { describe, expect, it } from 'vitest';
import { escapeControls } from '../src/text/sanitize.js';
import { alignColumns } from '../src/text/table.js';
import { shortClockTime } from '../src/text/time.js';
import { displayWidth, padToWidth, truncateMiddle, truncateToWidth, wrapToWidth } from '../src/text/width.js';

describe('display width', () => {
  it('counts CJK and emoji as two columns', () => {
    expect(displayWidth('你好')).toBe(4);
    expect(displayWidth('👋')).toBe(2);
    expect(displayWidth('你好 bob 👋')).toBe(11);
  });

  it('truncates on grapheme boundaries without overflowing on a wide character', () => {
    const cut = truncateToWidth('你好世界', 5);
    expect(cut).toBe('你好…');
    expect(displayWidth(cut)).toBeLessThanOrEqual(5);
    expect(truncateToWidth('👨‍👩‍👧 family', 3)).toBe('👨‍👩‍👧…');
    expect(padToWidth('一棵树', 8)).toBe('一棵树  ');
  });

  it('wraps by columns, at spaces when it can and anywhere in CJK text', () => {
    expect(wrapToWidth('hello world again', 11)).toEqual(['hello world', 'again']);
    const cjk = wrapToWidth('你好你好你好', 5);
    expect(cjk).toEqual(['你好', '你好', '你好']);
    for (const line of wrapToWidth('a'.repeat(30) + ' 😀😀😀 ' + '你'.repeat(9), 7)) {
      expect(displayWidth(line)).toBeLessThanOrEqual(7);
    }
    expect(wrapToWidth('', 10)).toEqual(['']);
  });
});

describe('escapeControls', () => {
  it('cuts skin-tone and ZWJ emoji sequences into their emoji, so Ink counts the columns tmux draws', () => {
    // tmux draws 👋🏽 as 👋 and 🏽, 4 columns; string-width (and so Ink) counts 2, and the row overflowed its pane.
    expect(displayWidth('👋🏽')).toBe(2);
    expect(escapeControls('hi 👋🏽')).toBe('hi 👋\u200B🏽');
    expect(displayWidth(escapeControls('👋🏽'))).toBe(4);
    expect(escapeControls('👨\u200D👩\u200D👧')).toBe('👨\u200B👩\u200B👧');
    // Joiners in other scripts, plain emoji, flags and a lone modifier stay as they are.
    expect(escapeControls('क्\u200Dष')).toBe('क्\u200Dष');
    expect(escapeControls('❤️ 🇨🇳 👋')).toBe('❤️ 🇨🇳 👋');
    expect(escapeControls('🏽')).toBe('🏽');
  });

  it('shows escape sequences, OSC, BEL, CR and bidi overrides as visible text', () => {
    const hostile = '\x1b[2J\x1b]0;pwned\x07hi\r\u202eevil\u0085';
    const safe = escapeControls(hostile);
    expect(safe).toBe('\\x1b[2J\\x1b]0;pwned\\x07hi\\r\\u202eevil\\x85');
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u001f\u007f-\u009f\u202e]/.test(safe)).toBe(false);
  });

  it('leaves ordinary text, CJK and emoji alone', () => {
    expect(escapeControls('你好 bob 👋 café')).toBe('你好 bob 👋 café');
  });
});

describe('names, addresses and tables (issue 10 #15)', () => {
  it('cuts long names in the middle so names with one beginning stay apart', () => {
    expect(truncateMiddle('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abcde…wxyz');
    const a = truncateMiddle('abcdefghijklmn-alice', 14);
    const b = truncateMiddle('abcdefghijklmn-bob', 14);
    expect(a).not.toBe(b);
    expect(displayWidth(a)).toBeLessThanOrEqual(14);
    expect(truncateMiddle('short', 14)).toBe('short');
    const cjk = truncateMiddle('你好世界你好世界', 9);
    expect(displayWidth(cjk)).toBeLessThanOrEqual(9);
    expect(cjk).toBe('你好…世界');
  });

  it('aligns a two-column table by display width', () => {
    const lines = alignColumns([
      ['/to NAME', 'open'],
      ['/burst N [text]', 'send N'],
      ['/名前 NAME', 'wide'],
      ['Tab: hint line', ''],
    ]);
    const at = lines.slice(0, 3).map((l) => displayWidth(l.slice(0, l.search(/(open|send N|wide)$/))));
    expect(new Set(at).size).toBe(1);
    expect(at[0]).toBe(17);
    expect(lines[3]).toBe('Tab: hint line');
  });

  it('writes the short clock as HH:MM', () => {
    expect(shortClockTime(new Date(2026, 0, 1, 9, 5, 7).getTime())).toBe('09:05');
  });
});
