import { describe, expect, it } from 'vitest';
import {
  describeNameProblem,
  encode,
  GROUP_ALL,
  MAX_NAME_BYTES,
  MAX_NAME_CHARS,
  nameKey,
  nameProblem,
  utf8Length,
} from '../src/index.js';

describe('nameProblem: valid names', () => {
  it.each([
    'alice',
    'Alice',
    'a',
    '一棵树',
    '武大郎',
    'Zoë',
    'Zoe\u0308', // decomposed ë: a letter and a combining mark
    'a.b-c_d',
    'bob2',
    'नमस्ते', // Devanagari with combining vowel signs and virama
    'ไทย',
    'Ωμέγα',
    '١٢٣', // Arabic-Indic digits (\p{Nd})
    '_',
    'alls',
    'all1',
    'a'.repeat(MAX_NAME_CHARS),
    '一'.repeat(MAX_NAME_CHARS),
    '𠀀'.repeat(MAX_NAME_CHARS), // 32 code points, 64 UTF-16 units, 128 bytes
  ])('%s is valid', (name) => {
    expect(nameProblem(name)).toBeNull();
    // every valid name fits the wire limit of a name field
    expect(utf8Length(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(() => encode({ kind: 'hello', name })).not.toThrow();
  });
});

describe('nameProblem: invalid names', () => {
  it.each<[string, string, string]>([
    ['empty', '', 'empty'],
    ['33 ASCII letters', 'a'.repeat(33), 'too-long'],
    ['33 CJK letters', '一'.repeat(33), 'too-long'],
    ['33 astral letters', '𠀀'.repeat(33), 'too-long'],
    ['33 characters with a space (length checked first)', 'a b'.padEnd(33, 'c'), 'too-long'],
    ['a space', 'a b', 'bad-characters'],
    ['a leading space', ' alice', 'bad-characters'],
    ['a tab', 'a\tb', 'bad-characters'],
    ['a newline', 'alice\n', 'bad-characters'],
    ['NUL', 'a\u0000', 'bad-characters'],
    ['ESC (terminal escape)', 'a\u001b[31m', 'bad-characters'],
    ['DEL', 'a\u007f', 'bad-characters'],
    ['a C1 control', 'a\u0085', 'bad-characters'],
    ['a zero-width space', 'a\u200bb', 'bad-characters'],
    ['a right-to-left override', 'a\u202eb', 'bad-characters'],
    ['an emoji', '👋', 'bad-characters'],
    ['a name with an emoji', 'bob👋', 'bad-characters'],
    ['a colon', 'a:b', 'bad-characters'],
    ['an at sign', 'a@b', 'bad-characters'],
    ['a slash', 'a/b', 'bad-characters'],
    ['a superscript digit (not \\p{Nd})', 'a²', 'bad-characters'],
    ['a lone surrogate', 'a\ud800', 'bad-characters'],
    ['the group name', 'all', 'reserved'],
    ['the group name upper-case', 'ALL', 'reserved'],
    ['the group name capitalised', 'All', 'reserved'],
  ])('%s is refused', (_what, name, problem) => {
    expect(nameProblem(name)).toBe(problem);
  });

  it('the reserved name is the group', () => {
    expect(nameProblem(GROUP_ALL)).toBe('reserved');
  });

  it('describeNameProblem explains each problem', () => {
    expect(describeNameProblem('', 'empty')).toMatch(/at least one/);
    expect(describeNameProblem('x', 'too-long')).toContain(String(MAX_NAME_CHARS));
    expect(describeNameProblem('a b', 'bad-characters')).toContain('"a b"');
    expect(describeNameProblem('ALL', 'reserved')).toContain('"all"');
  });
});

describe('nameKey', () => {
  it('is case-insensitive: Alice == alice == ALICE', () => {
    expect(nameKey('Alice')).toBe(nameKey('alice'));
    expect(nameKey('ALICE')).toBe('alice');
    expect(nameKey('ZOË')).toBe(nameKey('zoë'));
    expect(nameKey('ΩΜΈΓΑ')).toBe(nameKey('ωμέγα'));
  });

  it('is normalisation-insensitive: composed and decomposed ë are the same contact', () => {
    expect(nameKey('Zoe\u0308')).toBe(nameKey('Zoë'));
    expect(nameKey('Zoe\u0308')).toBe('zo\u00eb');
  });

  it('gives an ASCII name the same key with or without its fast path: lower-cased, nothing else', () => {
    for (let c = 0; c < 0x80; c++) {
      const name = `a${String.fromCharCode(c)}Z`;
      expect(nameKey(name)).toBe(name.normalize('NFC').toLowerCase());
    }
    expect(nameKey('Alice_2.x-Y')).toBe('alice_2.x-y');
    expect(nameKey('Ae\u0308')).toBe('a\u00eb'); // one character outside ASCII: normalised
  });

  it('keeps different names apart and leaves CJK unchanged', () => {
    expect(nameKey('alice')).not.toBe(nameKey('alicf'));
    expect(nameKey('alice')).not.toBe(nameKey('alice_'));
    expect(nameKey('一棵树')).toBe('一棵树');
    expect(nameKey('武大郎')).not.toBe(nameKey('一棵树'));
  });
});
