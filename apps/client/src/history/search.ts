/**
 * `/search TEXT`: the messages of one conversation whose text contains TEXT
 * (case-insensitive for ASCII letters, as SQL LIKE), newest first, at most
 * `SEARCH_LIMIT`, read from the history file (not only what is in memory).
 */
import { escapeControls } from '../text/sanitize.js';
import type { SearchMatch } from '../state/historyWindow.js';
import type { HistoryDb } from './historyDb.js';

/** Most matches one search returns. */
export const SEARCH_LIMIT = 200;


/** The matches of `text` in the conversation `key`, newest first. */
export function searchConversation(db: HistoryDb, key: string, text: string, limit = SEARCH_LIMIT): SearchMatch[] {
  return db.search(key, text, limit).map((m) => ({ id: m.id, from: escapeControls(m.sender), text: escapeControls(m.text), time: m.time }));
}
