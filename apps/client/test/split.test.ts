import { MAX_TEXT_BYTES, utf8Length } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { splitText } from '../src/state/split.js';

const graphemes = (s: string) => Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s), (g) => g.segment);

describe('splitText (item 8)', () => {
  it('leaves a text that fits alone, and cuts a long one at whitespace into parts of at most 790 bytes', () => {
    expect(splitText('hello')).toEqual(['hello']);
    const exact = 'x'.repeat(MAX_TEXT_BYTES);
    expect(splitText(exact)).toEqual([exact]);
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(utf8Length(p)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(parts.join(' ')).toBe(text);
    expect(parts.every((p) => p === p.trim())).toBe(true);
  });

  it('never splits a grapheme: CJK (3 bytes), an emoji family (25 bytes), a letter with accents', () => {
    const family = '👨‍👩‍👧‍👦';
    const accented = 'e\u0301\u0302';
    const text = `${'你好'.repeat(200)}${family.repeat(30)}${accented.repeat(100)}`; // no whitespace at all
    const parts = splitText(text);
    expect(parts.join('')).toBe(text);
    for (const p of parts) {
      expect(utf8Length(p)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
      expect(graphemes(p).join('')).toBe(p);
    }
    const all = graphemes(text);
    expect(parts.flatMap(graphemes)).toEqual(all);
  });

  it('cuts a single grapheme that alone is over the limit between code points (nothing is lost)', () => {
    const zalgo = `a${'\u0301'.repeat(600)}`; // one grapheme, 1 + 1,200 bytes
    const parts = splitText(`start ${zalgo} end`, 100);
    for (const p of parts) expect(utf8Length(p)).toBeLessThanOrEqual(100);
    expect(parts.join('').replace(/\s/g, '')).toBe(`start${zalgo}end`);
  });
});
