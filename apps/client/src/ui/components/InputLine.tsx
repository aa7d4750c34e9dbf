import { Text } from 'ink';
import { byteCount, type ByteCount } from '../byteCounter.js';
import { editorLines, editorText, type EditorState } from '../lineEditor.js';
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

/** Line breaks of a multi-line input are shown as `⏎` (one column). */
const LINE_BREAK = '⏎';
const shownGrapheme = (g: string) => (g === '\n' ? LINE_BREAK : g);

/**
 * The visible part of the editor: a window over the graphemes that keeps
 * the cursor in view and, when the cursor allows, the end of the text too.
 * Returns the text and the cursor's column within it.
 */
export function editorWindow(editor: EditorState, columns: number): { text: string; cursorColumn: number } {
  const { chars, cursor } = editor;
  const room = Math.max(1, columns - 1);
  const shown = chars.map(shownGrapheme);
  const widths = shown.map((c) => displayWidth(c));
  // The first grapheme from which [start, upTo) fits in the room.
  const firstFitting = (upTo: number) => {
    let start = upTo;
    let used = 0;
    while (start > 0 && used + (widths[start - 1] ?? 0) <= room) used += widths[--start] ?? 0;
    return start;
  };
  const start = Math.max(firstFitting(cursor), Math.min(firstFitting(chars.length), cursor));
  let text = '';
  let used = 0;
  for (let i = start; i < chars.length; i++) {
    const w = widths[i] ?? 0;
    if (used + w > room) break;
    text += shown[i];
    used += w;
  }
  return { text, cursorColumn: widths.slice(start, cursor).reduce((a, b) => a + b, 0) };
}

/** Where everything on the input line goes: prompt, editor window, byte counter. */
export interface InputLayout {
  /** The prompt, e.g. `to bob › `. */
  prompt: string;
  /** The byte counter at the right end, or null while the text is short. */
  counter: ByteCount | null;
  /** For a multi-line input, e.g. `3 lines → 3 messages`; else null. */
  linesHint: string | null;
  /** Columns for the editor's text. */
  room: number;
  /** The visible text and the caret's column within it. */
  view: { text: string; cursorColumn: number };
  /** Column of the caret on the line (where the terminal cursor goes). */
  caretColumn: number;
}

/** Lays out the input line at `width` columns (shared by the component and the terminal cursor). */
export function inputLayout(editor: EditorState, target: string, width: number): InputLayout {
  const prompt = inputPrompt(target);
  const counter = byteCount(editorText(editor));
  const lines = editorLines(editor).filter((l) => l.trim() !== '').length;
  const linesHint = editor.chars.includes('\n') ? `${lines} line${lines === 1 ? '' : 's'} → ${lines} message${lines === 1 ? '' : 's'}` : null;
  const counterWidth = (counter ? displayWidth(counter.label) + 1 : 0) + (linesHint ? displayWidth(linesHint) + 1 : 0);
  const room = Math.max(1, width - displayWidth(prompt) - counterWidth);
  const view = editorWindow(editor, room);
  return { prompt, counter, linesHint, room, view, caretColumn: displayWidth(prompt) + view.cursorColumn };
}

/**
 * The input line: prompt, text (or a placeholder when empty), and at the
 * right end a hint for a multi-line input and, near the datagram limit, a byte counter. The caret itself is the terminal cursor (App).
 */
export function InputLine({ editor, target, focused, width }: InputLineProps) {
  const { prompt, counter, linesHint, room, view } = inputLayout(editor, target, width);
  const empty = editorText(editor) === '';
  const gap = Math.max(1, room - displayWidth(view.text) + 1);
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
      {counter || linesHint ? <Text>{' '.repeat(gap - 1)}</Text> : null}
      {linesHint ? <Text color={theme.status.info}>{` ${linesHint}`}</Text> : null}
      {counter ? (
        <Text color={counter.over ? theme.status.warning : theme.text.secondary} bold={counter.over}>
          {` ${counter.label}`}
        </Text>
      ) : null}
    </Text>
  );
}
