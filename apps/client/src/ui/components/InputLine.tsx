import { Text } from 'ink';
import { editorText, type EditorState } from '../lineEditor.js';
import { displayWidth, truncateToWidth } from '../../text/width.js';
import { theme } from '../theme.js';

/** Props of `InputLine`. */
export interface InputLineProps {
  /** The editor's text and cursor. */
  editor: EditorState;
  /** Who the text goes to (the open conversation). */
  target: string;
  /** Whether the input has keyboard focus (shows the cursor). */
  focused: boolean;
  /** Width in columns. */
  width: number;
}

/** Prompt text before the editor, e.g. `to bob › `. */
export function inputPrompt(target: string): string {
  return `to ${truncateToWidth(target, 16)} › `;
}

/**
 * The visible part of the editor: a window over the graphemes that keeps
 * the cursor in view. Returns the text and the cursor's column within it.
 */
export function editorWindow(editor: EditorState, columns: number): { text: string; cursorColumn: number } {
  const { chars, cursor } = editor;
  const room = Math.max(1, columns - 1);
  let start = 0;
  let widthBefore = chars.slice(0, cursor).reduce((w, c) => w + displayWidth(c), 0);
  while (widthBefore > room && start < cursor) {
    widthBefore -= displayWidth(chars[start] ?? '');
    start++;
  }
  let text = '';
  let used = 0;
  for (let i = start; i < chars.length; i++) {
    const w = displayWidth(chars[i] ?? '');
    if (used + w > room) break;
    text += chars[i];
    used += w;
  }
  return { text, cursorColumn: widthBefore };
}

/** The input line: prompt, text, and a placeholder when empty. The caret itself is the terminal cursor (App). */
export function InputLine({ editor, target, focused, width }: InputLineProps) {
  const prompt = inputPrompt(target);
  const room = Math.max(1, width - displayWidth(prompt));
  const empty = editorText(editor) === '';
  const view = editorWindow(editor, room);
  return (
    <Text wrap="truncate">
      <Text color={focused ? theme.text.accent : theme.text.secondary} bold>
        {prompt}
      </Text>
      {empty ? (
        <Text color={theme.text.secondary}>{truncateToWidth('type a message · /to NAME · @NAME text · /help', room - 1)}</Text>
      ) : (
        <Text>{view.text}</Text>
      )}
    </Text>
  );
}
