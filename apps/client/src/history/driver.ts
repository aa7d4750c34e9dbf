/**
 * The history driver of the full-screen UI: the store's `HistorySource`
 * (state/store.ts), reading the history file through the pager and search.
 */
import type { EntryPage, HistoryRequest, SearchMatch, StoredConversationPage } from '../state/historyWindow.js';
import type { HistorySource } from '../state/store.js';
import type { HistoryDb } from './historyDb.js';
import { HistoryPager } from './pager.js';
import { searchConversation } from './search.js';

export class HistoryDriver implements HistorySource {
  private readonly pager: HistoryPager;

  /** @param pageSize messages per page (default HISTORY_PAGE). */
  constructor(
    private readonly db: HistoryDb,
    pageSize?: number,
  ) {
    this.pager = new HistoryPager(db, pageSize);
  }

  recent(): StoredConversationPage[] {
    return this.pager.recent();
  }

  page(r: Exclude<HistoryRequest, { type: 'search' }>): EntryPage & { newer?: boolean } {
    switch (r.type) {
      case 'older':
        return this.pager.older(r.key, r.before);
      case 'newer':
        return this.pager.newer(r.key, r.after);
      case 'latest':
        return { ...this.pager.latest(r.key), newer: false };
      case 'jump':
        return this.pager.endingAt(r.key, r.id);
    }
  }

  search(key: string, text: string): SearchMatch[] {
    return searchConversation(this.db, key, text);
  }
}
