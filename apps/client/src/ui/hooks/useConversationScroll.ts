import { useCallback, useRef } from 'react';
import type { Conversation, ConversationEntry } from '../../state/types.js';
import { addedSince, clampScrollBack } from '../conversationRows.js';
import { useImmediateState } from './useImmediateState.js';

/** What `useConversationScroll` needs: the conversation and the pane's inner size. */
export interface ConversationScrollOptions {
  /** The open conversation. */
  conversation: Conversation;
  /** Columns of text inside the pane. */
  width: number;
  /** Rows of text inside the pane. */
  height: number;
  /** Rows one PgUp/PgDn moves. */
  pageRows: number;
}

/** The conversation's scroll position and what arrived below it. */
export interface ConversationScroll {
  /** Rows scrolled back from the newest (0 = following the bottom), never past the top. */
  scrollBack: number;
  /** Messages from others that arrived below the view since it left the bottom. */
  newMessages: number;
  /** One page towards older (`up`) or newer (`down`) rows, clamped to the content. */
  page: (direction: 'up' | 'down') => void;
  /** Back to the newest row; clears `newMessages`. */
  toBottom: () => void;
}

/**
 * Scrolling of the conversation pane. While scrolled back, the view stays
 * still as messages arrive (the offset from the bottom grows by the rows they
 * add) and counts them; at the bottom it follows new messages.
 */
export function useConversationScroll({ conversation, width, height, pageRows }: ConversationScrollOptions): ConversationScroll {
  const scroll = useImmediateState(0);
  const unseen = useImmediateState(0);
  const view = useRef({ conversation, width, height });
  view.current = { conversation, width, height };
  const anchor = useRef<{ key: string; newest: ConversationEntry | undefined }>({
    key: conversation.key,
    newest: conversation.entries.at(-1),
  });

  // Adjusted during render (React's "state from previous renders" pattern), so the
  // frame that shows a new message already has the offset that keeps the view still.
  const newest = conversation.entries.at(-1);
  if (anchor.current.key !== conversation.key) {
    anchor.current = { key: conversation.key, newest };
    if (scroll.latest.current !== 0) scroll.set(0);
    if (unseen.latest.current !== 0) unseen.set(0);
  } else if (anchor.current.newest?.id !== newest?.id) {
    const previous = anchor.current.newest;
    anchor.current = { key: conversation.key, newest };
    if (scroll.latest.current > 0 && previous) {
      const added = addedSince(conversation.entries, previous, width);
      if (added && added.rows > 0) scroll.set((s) => s + added.rows);
      if (added && added.messages > 0) unseen.set((n) => n + added.messages);
    }
  }

  const page = useCallback(
    (direction: 'up' | 'down') => {
      const { conversation: c, width: w, height: h } = view.current;
      scroll.set((s) => {
        const from = clampScrollBack(c.entries, w, h, s);
        return direction === 'up' ? clampScrollBack(c.entries, w, h, from + pageRows) : Math.max(0, from - pageRows);
      });
      if (scroll.latest.current === 0) unseen.set(0);
    },
    [scroll, unseen, pageRows],
  );

  const toBottom = useCallback(() => {
    scroll.set(0);
    unseen.set(0);
  }, [scroll, unseen]);

  return { scrollBack: scroll.value, newMessages: unseen.value, page, toBottom };
}
