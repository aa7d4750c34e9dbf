import { Box, useCursor } from 'ink';
import { useMemo } from 'react';
import type { ChatStore } from '../state/store.js';
import { ContactList } from './components/ContactList.js';
import { ConversationPane, conversationViewport } from './components/ConversationPane.js';
import { InspectorPane } from './components/InspectorPane.js';
import { InputLine, inputLayout } from './components/InputLine.js';
import { NoticeLine } from './components/NoticeLine.js';
import { StatusLine } from './components/StatusLine.js';
import { useChatKeys, type Focus } from './hooks/useChatKeys.js';
import { useChatSnapshot } from './hooks/useChatSnapshot.js';
import { useConversationScroll } from './hooks/useConversationScroll.js';
import { useEditor } from './hooks/useEditor.js';
import { useImmediateState } from './hooks/useImmediateState.js';
import { usePaste } from './hooks/usePaste.js';
import { assignContactColors, colorLookup } from './contactColors.js';
import { computeLayout } from './layout.js';

/** Props of `App`. */
export interface AppProps {
  /** The chat state. */
  store: ChatStore;
  /** Terminal width in columns. */
  columns: number;
  /** Terminal height in rows. */
  rows: number;
  /** Called when the user quits (after confirmation, if needed). */
  onQuit: () => void;
}

/** The full-screen chat: contacts left, conversation right, input, notice and status lines below. */
export function App({ store, columns, rows, onQuit }: AppProps) {
  const snapshot = useChatSnapshot(store);
  const editor = useEditor();
  const focusState = useImmediateState<Focus>('input');
  const cursorState = useImmediateState(0);
  const focus = focusState.value;
  const layout = computeLayout(columns, rows);
  // The inspector, when open, takes the lower part of the right column.
  const inspectorHeight = { off: 0, split: Math.max(4, Math.floor(layout.paneHeight * 0.45)), full: layout.paneHeight }[
    snapshot.inspector.mode
  ];
  const pageRows = Math.max(1, layout.paneHeight - inspectorHeight - 3);
  const viewport = conversationViewport(layout.conversationWidth, layout.paneHeight - inspectorHeight);
  const scroll = useConversationScroll({ conversation: snapshot.open, width: viewport.innerWidth, height: viewport.innerHeight, pageRows, history: store });

  const names = snapshot.contacts.filter((c) => c.type !== 'group').map((c) => c.name).join('\n');
  const colorOf = useMemo(() => colorLookup(assignContactColors(names ? names.split('\n') : [])), [names]);

  // A bracketed paste waits in the editor, line breaks and all (shown with ⏎); Enter sends it.
  const paste = usePaste((text) => {
    focusState.set('input');
    editor.dispatch({ type: 'insert', text });
  });
  useChatKeys({ paste, store, snapshot, editor, focus: focusState, cursor: cursorState, scroll, onQuit });

  // The terminal cursor sits at the caret, so an IME composes in the right place.
  const { setCursorPosition } = useCursor();
  const target = snapshot.open.title;
  const caret = inputLayout(editor.state, target, columns).caretColumn;
  // Set during render, not in an effect: Ink hands the position to the terminal in the
  // insertion effect of the same commit, so a position set in useEffect would only show
  // with the next frame (the caret one keystroke behind, issue 10 #5).
  setCursorPosition(focus === 'input' ? { x: caret, y: layout.inputRow } : undefined);

  return (
    <Box flexDirection="column" width={columns} height={layout.height}>
      <Box flexDirection="row" height={layout.paneHeight}>
        <ContactList
          contacts={snapshot.contacts}
          openKey={snapshot.open.key}
          cursor={cursorState.value}
          colorOf={colorOf}
          focused={focus === 'contacts'}
          width={layout.contactsWidth}
          height={layout.paneHeight}
        />
        <Box flexDirection="column" width={layout.conversationWidth} height={layout.paneHeight}>
          {snapshot.inspector.mode !== 'full' ? (
            <ConversationPane
              conversation={snapshot.open}
              online={snapshot.openOnline}
              scrollBack={scroll.scrollBack}
              colorOf={colorOf}
              newMessages={scroll.newMessages}
              width={layout.conversationWidth}
              height={layout.paneHeight - inspectorHeight}
            />
          ) : null}
          {snapshot.inspector.mode !== 'off' ? (
            <InspectorPane
              records={snapshot.inspector.records}
              total={snapshot.inspector.total}
              full={snapshot.inspector.mode === 'full'}
              width={layout.conversationWidth}
              height={inspectorHeight}
            />
          ) : null}
        </Box>
      </Box>
      <InputLine editor={editor.state} target={target} focused={focus === 'input'} width={columns} />
      <NoticeLine notice={snapshot.notice} width={columns} />
      <StatusLine self={snapshot.self} relay={snapshot.relay} simulation={snapshot.relay.simulation} width={columns} />
    </Box>
  );
}
