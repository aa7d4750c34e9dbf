import { useCallback, useRef } from 'react';
import type { Conversation, ConversationEntry } from '../../state/types.js';
import { addedSince, clampScrollBack, entryRows } from '../conversationRows.js';
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
  /** The stored history behind the window (the store's pageOlder / pageNewer / toLatest); absent: none. */
  history?: HistoryPaging;
}

/** What the scroll asks of the stored history when it reaches an end of the window in memory. */
export interface HistoryPaging {
  /** The view is near the top: read the older page. */
  pageOlder(): void;
  /** The view is near the bottom of a window on older messages: read the newer page. */
  pageNewer(): void;
  /** Back to the newest messages. */
  toLatest(): void;
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

/** Rows removed below `newest` (the window's newest entries dropped at the cap), from the previous entries. */
function rowsRemovedAfter(previous: readonly ConversationEntry[], newest: ConversationEntry | undefined, width: number): number | null {
  if (!newest) return null;
  for (let i = previous.length - 1, rows = 0; i >= 0; i--) {
    const e = previous[i] as ConversationEntry;
    if (e.id === newest.id) return rows;
    rows += entryRows(e, width).length;
  }
  return null;
}

/**
 * Scrolling of the conversation pane. While scrolled back, the view stays
 * still as messages arrive (the offset from the bottom grows by the rows they
 * add) and counts them; at the bottom it follows new messages. With a stored
 * history, the view asks for the older page near the top of the window and
 * for the newer one near its bottom; the view stays still as pages come (and
 * as the far end of the window is dropped).
 */
export function useConversationScroll({ conversation, width, height, pageRows, history }: ConversationScrollOptions): ConversationScroll {
  const scroll = useImmediateState(0);
  const unseen = useImmediateState(0);
  const view = useRef({ conversation, width, height, history });
  view.current = { conversation, width, height, history };
  // The window: which conversation, and which window on it (a jump replaces it).
  const windowKey = `${conversation.key}#${conversation.generation ?? 0}`;
  const anchor = useRef<{ key: string; newest: ConversationEntry | undefined; entries: readonly ConversationEntry[]; newerInDb: boolean }>({
    key: windowKey,
    newest: conversation.entries.at(-1),
    entries: conversation.entries,
    newerInDb: conversation.newerInDb ?? false,
  });

  // Adjusted during render (React's "state from previous renders" pattern), so the
  // frame that shows a new message already has the offset that keeps the view still.
  const newest = conversation.entries.at(-1);
  const next = { key: windowKey, newest, entries: conversation.entries, newerInDb: conversation.newerInDb ?? false };
  if (anchor.current.key !== windowKey) {
    anchor.current = next;
    if (scroll.latest.current !== 0) scroll.set(0);
    if (unseen.latest.current !== 0) unseen.set(0);
  } else if (anchor.current.newest?.id !== newest?.id) {
    const { newest: previous, entries: before, newerInDb: paging } = anchor.current;
    anchor.current = next;
    // At the bottom of a window on older messages, a newer page comes under the view: it stays still.
    if ((scroll.latest.current > 0 || paging) && previous) {
      const added = addedSince(conversation.entries, previous, width);
      if (added && added.rows > 0) scroll.set((s) => s + added.rows);
      if (added && added.messages > 0 && !paging) unseen.set((n) => n + added.messages);
      const removed = added ? null : rowsRemovedAfter(before, newest, width);
      if (removed) scroll.set((s) => Math.max(0, s - removed));
    }
  } else {
    anchor.current = next;
  }

  const page = useCallback(
    (direction: 'up' | 'down') => {
      const { conversation: c, width: w, height: h, history: stored } = view.current;
      scroll.set((s) => {
        const from = clampScrollBack(c.entries, w, h, s);
        return direction === 'up' ? clampScrollBack(c.entries, w, h, from + pageRows) : Math.max(0, from - pageRows);
      });
      const at = scroll.latest.current;
      if (at === 0) unseen.set(0);
      if (!stored) return;
      // Within two pages of the window's top (or bottom): the next page is read before it is needed.
      if (direction === 'up' && c.olderInDb && clampScrollBack(c.entries, w, h, at + 2 * pageRows) < at + 2 * pageRows) stored.pageOlder();
      if (direction === 'down' && c.newerInDb && at <= 2 * pageRows) stored.pageNewer();
    },
    [scroll, unseen, pageRows],
  );

  const toBottom = useCallback(() => {
    scroll.set(0);
    unseen.set(0);
    view.current.history?.toLatest();
  }, [scroll, unseen]);

  return { scrollBack: scroll.value, newMessages: unseen.value, page, toBottom };
}
