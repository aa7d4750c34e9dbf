import { describe, expect, it } from 'vitest';
import { EMPTY_EDITOR, editorLines, editorReducer, editorText, type EditorAction } from '../src/ui/lineEditor.js';

const run = (...actions: EditorAction[]) => actions.reduce(editorReducer, EMPTY_EDITOR);

describe('line editor', () => {
  it('inserts CJK typed in one chunk (an IME commit) and deletes it grapheme by grapheme', () => {
    const s = run({ type: 'insert', text: '你好' }, { type: 'insert', text: ' 👋🏽' }, { type: 'backspace' });
    expect(editorText(s)).toBe('你好 ');
    expect(s.cursor).toBe(3);
  });

  it('never leaves half an emoji or a broken family sequence', () => {
    const s = run({ type: 'insert', text: 'a👨‍👩‍👧b' }, { type: 'left' }, { type: 'backspace' });
    expect(editorText(s)).toBe('ab');
  });

  it('moves, deletes forward and words, and keeps pasted line breaks as \\n', () => {
    let s = run({ type: 'insert', text: 'hello big\r\nworld\rnow' });
    expect(editorLines(s)).toEqual(['hello big', 'world', 'now']);
    s = run({ type: 'insert', text: 'hello big world' });
    s = editorReducer(s, { type: 'deleteWord' });
    expect(editorText(s)).toBe('hello big ');
    s = run({ type: 'insert', text: 'abc' }, { type: 'home' }, { type: 'deleteForward' }, { type: 'end' }, { type: 'insert', text: '!' });
    expect(editorText(s)).toBe('bc!');
    expect(editorText(run({ type: 'insert', text: 'x\x1b[Ay' }))).toBe('x[Ay');
  });
});

describe('editor window', () => {
  it('keeps the cursor in view and, when it can, the end of the text', async () => {
    const { editorWindow } = await import('../src/ui/components/InputLine.js');
    const long = run({ type: 'insert', text: 'abcdefghij' }, { type: 'left' }, { type: 'left' });
    expect(editorWindow(long, 6)).toEqual({ text: 'fghij', cursorColumn: 3 });
    const home = editorReducer(long, { type: 'home' });
    expect(editorWindow(home, 6)).toEqual({ text: 'abcde', cursorColumn: 0 });
    const wide = run({ type: 'insert', text: '你好世界' });
    expect(editorWindow(wide, 6)).toEqual({ text: '世界', cursorColumn: 4 });
    expect(editorWindow(run({ type: 'insert', text: 'a\nb' }), 10)).toEqual({ text: 'a⏎b', cursorColumn: 3 });
  });
});
