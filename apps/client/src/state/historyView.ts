/**
 * The chat state's side of the stored history: it asks (requests go to the
 * store's history driver, which reads the file and answers through the
 * methods here) and applies the answers to the conversations: the recent
 * page of each conversation at start, older and newer pages as the view
 * scrolls, `/search` and its matches (the view jumps to each, newest first).
 * No I/O here.
 */
import { isFinal } from '../net/delivery/states.js';
import type { Conversations } from './conversations.js';
import { appendNewer, newestMessageId, oldestMessageId, prependOlder, replaceWindow, type EntryPage, type HistoryRequest, type SearchMatch, type StoredConversationPage } from './historyWindow.js';
import type { NoticeBoard } from './noticeBoard.js';
import type { MessageEntry } from './types.js';
import { clockTime } from '../text/time.js';

/** What the history view needs of the rest of the state. */
export interface HistoryViewParts {
  conversations: Conversations;
  notices: NoticeBoard;
  /** Follows the delivery of an own message loaded from the history (its marks update). */
  track: (entry: MessageEntry) => void;
  /** Where requests go; null when there is no history (then nothing is asked). */
  request: ((r: HistoryRequest) => void) | null;
  /** Most entries of one conversation in memory. */
  cap: number;
  /** Called after every change. */
  changed: () => void;
}

interface SearchState {
  key: string;
  text: string;
  matches: SearchMatch[];
  index: number;
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export class HistoryView {
  private search: SearchState | null = null;
  /** Keys with a page asked for and not answered yet (one request at a time per conversation). */
  private readonly asked = new Set<string>();

  constructor(private readonly p: HistoryViewParts) {}

  /** True when there is a history to ask. */
  get enabled(): boolean {
    return this.p.request !== null;
  }

  /** The recent page of each stored conversation, at start (before anything else arrived). */
  loaded(pages: readonly StoredConversationPage[]): void {
    for (const page of pages) {
      const c = this.p.conversations.get(page.key, page.title);
      c.entries = [...page.entries, ...c.entries];
      c.olderInDb = page.more;
      this.trackUnfinished(page.entries);
    }
    this.p.changed();
  }

  /** The view reached the top of the open conversation's window: ask for the older page, if stored. */
  wantOlder(): void {
    const c = this.p.conversations.open();
    if (c.olderInDb) this.ask({ type: 'older', key: c.key, before: oldestMessageId(c) });
  }

  /** The view reached the bottom of a window with newer messages stored: ask for them. */
  wantNewer(): void {
    const c = this.p.conversations.open();
    const after = newestMessageId(c);
    if (c.newerInDb) this.ask(after === null ? { type: 'latest', key: c.key } : { type: 'newer', key: c.key, after });
  }

  /** Back to the newest messages (Esc, sending, switching): the newest page when the window is elsewhere; leaves a search. */
  wantLatest(): void {
    const c = this.p.conversations.open();
    if (this.search?.key === c.key) this.search = null;
    if (c.newerInDb) this.ask({ type: 'latest', key: c.key }, true);
  }

  /** `/search TEXT` (empty: the next older match of the last search here). */
  find(text: string): void {
    const key = this.p.conversations.openKey;
    if (!this.enabled) return this.p.notices.set({ text: 'no history to search (it is kept only with a data directory)', level: 'warning' });
    if (text !== '') return this.ask({ type: 'search', key, text }, true);
    const s = this.search;
    if (!s || s.key !== key) return this.p.notices.set({ text: 'usage: /search TEXT', level: 'error' });
    if (s.index + 1 >= s.matches.length) return this.p.notices.set({ text: `no older match for “${s.text}” (Esc goes back to the newest)`, level: 'info' });
    this.show(s, s.index + 1);
  }

  /** The history's answer to a page request. */
  answered(r: HistoryRequest, page: EntryPage & { newer?: boolean }): void {
    this.asked.delete(r.key);
    const c = this.p.conversations.find(r.key);
    if (!c) return;
    if (r.type === 'older') prependOlder(c, page, this.p.cap);
    else if (r.type === 'newer') appendNewer(c, page, this.p.cap);
    else replaceWindow(c, page, page.newer ?? false);
    this.trackUnfinished(page.entries);
    this.p.changed();
  }

  /** The history's answer to a search. */
  found(key: string, text: string, matches: SearchMatch[]): void {
    this.asked.delete(key);
    if (key !== this.p.conversations.openKey) return;
    const title = this.p.conversations.open().title;
    if (matches.length === 0) {
      this.search = null;
      return this.p.notices.set({ text: `no messages with “${text}” in ${title}`, level: 'warning' });
    }
    this.show({ key, text, matches, index: 0 }, 0);
  }

  /** Another conversation was opened: a search there is over. */
  opened(): void {
    if (this.search && this.search.key !== this.p.conversations.openKey) this.search = null;
  }

  private show(s: SearchState, index: number): void {
    this.search = { ...s, index };
    const m = s.matches[index];
    if (!m) return;
    this.ask({ type: 'jump', key: s.key, id: m.id }, true);
    const many = s.matches.length;
    this.p.notices.set({
      text: `“${s.text}”: match ${index + 1} of ${many}${many >= 200 ? '+' : ''} · ${clockTime(m.time)} ${m.from}: ${preview(m.text)} · /search: next · Esc: back`,
      level: 'info',
    });
  }

  /** Asks; a page older or newer is asked once at a time per conversation, unless `always`. */
  private ask(r: HistoryRequest, always = false): void {
    if (!this.p.request || (!always && this.asked.has(r.key))) return;
    this.asked.add(r.key);
    this.p.request(r);
  }

  private trackUnfinished(entries: readonly MessageEntry[]): void {
    for (const e of entries) if (e.own && e.delivery && !isFinal(e.delivery)) this.p.track(e);
  }
}
