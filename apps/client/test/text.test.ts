import { describe, expect, it } from 'vitest';
import { escapeControls } from '../src/text/sanitize.js';
import { displayWidth, padToWidth, truncateToWidth, wrapToWidth } from '../src/text/width.js';

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
