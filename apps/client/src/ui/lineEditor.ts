/**
 * The input line as a pure reducer over grapheme clusters, so an emoji or a
 * CJK character is inserted, moved over and deleted as one unit (the bugs of
 * ink-text-input 6 with CJK and emoji are why this exists).
 */
import { graphemes } from '../text/width.js';

/** Editor state: the text as graphemes and the cursor as a grapheme index (0..length). */
export interface EditorState {
  chars: readonly string[];
  cursor: number;
}

/**
 * Edits. `insert` takes typed or pasted text: line breaks (`\r\n`, `\r`, `\n`)
 * are kept as `\n` (a pasted block of lines stays one multi-line input), other controls are dropped.
 */
export type EditorAction =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'deleteForward' }
  | { type: 'deleteWord' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'set'; text: string };

/** An empty editor. */
export const EMPTY_EDITOR: EditorState = { chars: [], cursor: 0 };

/** The editor's text. */
export function editorText(state: EditorState): string {
  return state.chars.join('');
}

function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n|\r/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '');
}

/** The lines of the editor's text (one for a single-line input). */
export function editorLines(state: EditorState): string[] {
  return editorText(state).split('\n');
}

/** Applies one edit. */
export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  const { chars, cursor } = state;
  switch (action.type) {
    case 'insert': {
      const added = graphemes(clean(action.text));
      if (added.length === 0) return state;
      return { chars: [...chars.slice(0, cursor), ...added, ...chars.slice(cursor)], cursor: cursor + added.length };
    }
    case 'backspace':
      return cursor === 0 ? state : { chars: [...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor: cursor - 1 };
    case 'deleteForward':
      return cursor >= chars.length ? state : { chars: [...chars.slice(0, cursor), ...chars.slice(cursor + 1)], cursor };
    case 'deleteWord': {
      let start = cursor;
      while (start > 0 && chars[start - 1] === ' ') start--;
      while (start > 0 && chars[start - 1] !== ' ') start--;
      return { chars: [...chars.slice(0, start), ...chars.slice(cursor)], cursor: start };
    }
    case 'left':
      return { chars, cursor: Math.max(0, cursor - 1) };
    case 'right':
      return { chars, cursor: Math.min(chars.length, cursor + 1) };
    case 'home':
      return { chars, cursor: 0 };
    case 'end':
      return { chars, cursor: chars.length };
    case 'set': {
      const next = graphemes(clean(action.text));
      return { chars: next, cursor: next.length };
    }
  }
}
