import { useCallback, useRef, useState } from 'react';
import { EMPTY_EDITOR, editorReducer, editorText, type EditorAction, type EditorState } from '../lineEditor.js';

/** The input line's editor plus a history of submitted lines. */
export interface EditorApi {
  /** Current text and cursor (as last rendered). */
  state: EditorState;
  /** Applies an edit at once (later keys in the same tick see it). */
  dispatch: (action: EditorAction) => void;
  /** The latest text (including edits not rendered yet). */
  text: () => string;
  /** Remembers the latest text in the history and clears the editor (after a submit the store accepted). */
  accept: () => void;
  /** Replaces the text with the previous (-1) or next (+1) history line. */
  recall: (direction: -1 | 1) => void;
}

const HISTORY_LIMIT = 100;

/**
 * The line editor (a reducer over graphemes) and its history. The state
 * lives in a ref and is applied synchronously: keys that arrive before React
 * re-renders (a paste followed by Enter, tmux send-keys) act on the latest
 * text, never on a stale render.
 */
export function useEditor(): EditorApi {
  const current = useRef<EditorState>(EMPTY_EDITOR);
  const [state, setState] = useState<EditorState>(EMPTY_EDITOR);
  const history = useRef<string[]>([]);
  const position = useRef(0);

  const dispatch = useCallback((action: EditorAction) => {
    current.current = editorReducer(current.current, action);
    setState(current.current);
  }, []);

  const text = useCallback(() => editorText(current.current), []);

  const accept = useCallback(() => {
    const text = editorText(current.current);
    if (text.trim() !== '') {
      history.current.push(text);
      if (history.current.length > HISTORY_LIMIT) history.current.shift();
    }
    position.current = history.current.length;
    dispatch({ type: 'set', text: '' });
  }, [dispatch]);

  const recall = useCallback(
    (direction: -1 | 1) => {
      const next = Math.max(0, Math.min(history.current.length, position.current + direction));
      if (next === position.current) return;
      position.current = next;
      dispatch({ type: 'set', text: history.current[next] ?? '' });
    },
    [dispatch],
  );

  return { state, dispatch, text, accept, recall };
}
