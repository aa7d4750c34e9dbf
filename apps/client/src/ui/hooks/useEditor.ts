import { useCallback, useReducer, useRef } from 'react';
import { EMPTY_EDITOR, editorReducer, editorText, type EditorAction, type EditorState } from '../lineEditor.js';

/** The input line's editor plus a history of submitted lines. */
export interface EditorApi {
  /** Current text and cursor. */
  state: EditorState;
  /** Applies an edit. */
  dispatch: (action: EditorAction) => void;
  /** Returns the text, remembers it in the history, clears the editor. */
  take: () => string;
  /** Replaces the text with the previous (-1) or next (+1) history line. */
  recall: (direction: -1 | 1) => void;
}

const HISTORY_LIMIT = 100;

/** The line editor state (a reducer over graphemes) and its history. */
export function useEditor(): EditorApi {
  const [state, dispatch] = useReducer(editorReducer, EMPTY_EDITOR);
  const history = useRef<string[]>([]);
  const position = useRef(0);
  const stateRef = useRef(state);
  stateRef.current = state;

  const take = useCallback(() => {
    const text = editorText(stateRef.current);
    if (text.trim() !== '') {
      history.current.push(text);
      if (history.current.length > HISTORY_LIMIT) history.current.shift();
    }
    position.current = history.current.length;
    dispatch({ type: 'set', text: '' });
    return text;
  }, []);

  const recall = useCallback((direction: -1 | 1) => {
    const next = Math.max(0, Math.min(history.current.length, position.current + direction));
    if (next === position.current) return;
    position.current = next;
    dispatch({ type: 'set', text: history.current[next] ?? '' });
  }, []);

  return { state, dispatch, take, recall };
}
