import { useInput } from 'ink';
import type { ChatStore, SubmitResult } from '../../state/store.js';
import type { ChatSnapshot } from '../../state/types.js';
import { commandFor, type KeyPress } from '../../keys/keyBindings.js';
import { useFunctionKeys } from './useFunctionKeys.js';
import type { ConversationScroll } from './useConversationScroll.js';
import type { EditorApi } from './useEditor.js';
import type { PasteApi } from './usePaste.js';
import type { ImmediateState } from './useImmediateState.js';

/** Which pane receives keys. */
export type Focus = 'input' | 'contacts';

/** What `useChatKeys` reads and changes. */
export interface ChatKeysOptions {
  store: ChatStore;
  snapshot: ChatSnapshot;
  editor: EditorApi;
  /** Which pane has the keyboard. */
  focus: ImmediateState<Focus>;
  /** Highlighted row of the contact list. */
  cursor: ImmediateState<number>;
  /** The conversation's scroll position (PgUp/PgDn, Esc). */
  scroll: ConversationScroll;
  /** Tells which key events belong to a bracketed paste (taken by usePaste). */
  paste: PasteApi;
  /** Called once the user has really decided to quit. */
  onQuit: () => void;
}

/**
 * The one keyboard handler of the app (Ink 6's useFocus loses focus on Esc,
 * so keys are routed here by `focus`), using the key map in keys/keyBindings.ts.
 * Presses come from Ink's useInput and, for the function keys useInput cannot
 * tell apart, from useFunctionKeys; both go through `commandFor`.
 */
export function useChatKeys(o: ChatKeysOptions): void {
  const finish = (result: SubmitResult) => {
    if (result === 'quit') o.onQuit();
  };
  /**
   * Submits the editor's text; the editor keeps it (and its cursor) when the store says 'kept'.
   * A multi-line input (a paste) sends each non-empty line as its own message, in order, all as
   * text: a pasted line starting with `/` is sent, not run. If the store refuses a line, that line
   * and the ones after it stay in the editor.
   */
  const submit = (): SubmitResult => {
    const text = o.editor.text();
    if (!text.includes('\n')) {
      const result = o.store.submit(text);
      if (result !== 'kept') o.editor.accept();
      return result;
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.trim() === '') continue;
      const result = o.store.submit(line.trimStart().startsWith('/') ? `/${line.trimStart()}` : line);
      if (result === 'kept') {
        o.editor.dispatch({ type: 'set', text: lines.slice(i).join('\n') });
        return 'kept';
      }
    }
    o.editor.accept();
    return 'done';
  };
  const onPress = (press: KeyPress): void => {
    const { input, flags } = press;
    const command = commandFor(press);
    // A function key arrives here and (as an empty input) through useInput too: it acts
    // on its own path only, also while the quit question is asked (as before the key map had it).
    if (command === 'toggleInspector') return o.store.toggleInspector();
    if (o.store.confirming) {
      finish(o.store.answerQuit(input === 'y' || input === 'Y'));
      return;
    }
    switch (command) {
      case 'quit':
        return finish(o.store.requestQuit());
      case 'retry':
        return o.store.retry();
      case 'toggleFocus':
        o.focus.set((f) => (f === 'input' ? 'contacts' : 'input'));
        o.cursor.set(Math.max(0, o.snapshot.contacts.findIndex((c) => c.key === o.snapshot.open.key)));
        return;
      case 'scrollUp':
        return o.scroll.page('up');
      case 'scrollDown':
        return o.scroll.page('down');
      case 'escape':
        if (o.focus.latest.current === 'contacts') o.focus.set('input');
        else o.scroll.toBottom();
        return;
    }
    if (o.focus.latest.current === 'contacts') {
      const last = o.snapshot.contacts.length - 1;
      if (command === 'up') return o.cursor.set((c) => Math.max(0, Math.min(last, c - 1)));
      if (command === 'down') return o.cursor.set((c) => Math.max(0, Math.min(last, c + 1)));
      if (command === 'submit') {
        const row = o.snapshot.contacts[Math.min(o.cursor.latest.current, last)];
        if (row) o.store.open(row.key);
        o.scroll.toBottom();
        o.focus.set('input');
        return;
      }
      if (command === null && input) {
        // Typing while the list has focus goes to the input line.
        o.focus.set('input');
        o.editor.dispatch({ type: 'insert', text: input });
      }
      return;
    }
    switch (command) {
      case 'submit':
        o.scroll.toBottom();
        return finish(submit());
      case 'up':
        return o.editor.recall(-1);
      case 'down':
        return o.editor.recall(1);
      case 'left':
      case 'right':
      case 'home':
      case 'end':
      case 'backspace':
      case 'deleteForward':
      case 'deleteWord':
        return o.editor.dispatch({ type: command });
      case 'clearLine':
        return o.editor.dispatch({ type: 'set', text: '' });
      case null: {
        if (!input || flags.ctrl || flags.meta) return;
        // Line breaks outside a bracketed paste are Enter keys typed fast (tmux send-keys, a script):
        // each ends a line that is sent. A real paste arrives bracketed and waits in the editor (usePaste).
        const lines = input.split(/\r\n|\r|\n/);
        lines.forEach((text, i) => {
          if (text) o.editor.dispatch({ type: 'insert', text });
          if (i < lines.length - 1) finish(submit());
        });
        return;
      }
      default:
        return;
    }
  };
  useFunctionKeys((press) => onPress(press));
  useInput((input, key) => {
    if (o.paste.consumed()) return;
    onPress({ input, flags: key });
  });
}
