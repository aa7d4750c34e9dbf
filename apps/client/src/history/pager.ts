/**
 * The history pager: answers the chat state's requests for stored messages
 * (the recent page of each conversation at start, older or newer pages as
 * the view scrolls, the page ending at a search match) with terminal-safe
 * entries. Pages are read by `seq` on an index: the cost of a page does not
 * grow with the length of the history.
 */
import { escapeControls } from '../text/sanitize.js';
import type { EntryPage, StoredConversationPage } from '../state/historyWindow.js';
import type { MessageEntry } from '../state/types.js';
import type { HistoryDb, StoredMessage } from './historyDb.js';

/** Messages per page (one read). */
export const HISTORY_PAGE = 100;

/** The entry the conversation pane shows for a stored message. */
export function toEntry(m: StoredMessage): MessageEntry {
  return {
    kind: 'message',
    id: m.id,
    from: escapeControls(m.sender),
    text: escapeControls(m.text),
    time: m.time,
    sentAt: m.sentAt,
    own: m.own,
    delivery: m.delivery,
    ...(m.own ? { raw: m.text, to: m.recipient } : {}),
  };
}

function entries(messages: StoredMessage[]): MessageEntry[] {
  return messages.map(toEntry);
}

export class HistoryPager {
  constructor(
    private readonly db: HistoryDb,
    private readonly pageSize = HISTORY_PAGE,
  ) {}

  /** The recent page of every conversation with history, most recently active first. */
  recent(): StoredConversationPage[] {
    return this.db.conversations().map((c) => {
      const page = this.db.upTo(c.key, null, this.pageSize);
      return { key: c.key, title: escapeControls(c.title), entries: entries(page.messages), more: page.more };
    });
  }

  /** The newest page of `key`. */
  latest(key: string): EntryPage {
    const page = this.db.upTo(key, null, this.pageSize);
    return { entries: entries(page.messages), more: page.more };
  }

  /** The page just older than message `id` (the newest page when `id` is null or not stored). */
  older(key: string, id: string | null): EntryPage {
    const seq = id === null ? null : this.db.seqOf(id);
    if (id !== null && seq === null) return { entries: [], more: false };
    const page = this.db.upTo(key, seq === null ? null : seq - 1, this.pageSize);
    return { entries: entries(page.messages), more: page.more };
  }

  /** The page just newer than message `id`; `more`: newer ones beyond it. */
  newer(key: string, id: string): EntryPage {
    const seq = this.db.seqOf(id);
    if (seq === null) return this.latest(key);
    const page = this.db.after(key, seq, this.pageSize);
    return { entries: entries(page.messages), more: page.more };
  }

  /**
   * The page ending with message `id` (a search match at the bottom of the
   * view); `more`: older ones exist; `newer`: newer ones exist.
   */
  endingAt(key: string, id: string): EntryPage & { newer: boolean } {
    const seq = this.db.seqOf(id);
    if (seq === null) return { ...this.latest(key), newer: false };
    const page = this.db.upTo(key, seq, this.pageSize);
    const newer = this.db.after(key, seq, 1).messages.length > 0;
    return { entries: entries(page.messages), more: page.more, newer };
  }
}
