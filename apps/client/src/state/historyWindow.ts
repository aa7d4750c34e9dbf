/**
 * A conversation's entries as a bounded window on the stored history
 * (history/ keeps every message; memory keeps at most `cap` entries of one
 * conversation): pages are added older at the top or newer at the bottom,
 * the far end trimmed, and the flags say what is stored beyond each end.
 * Pure: the pages come from the history pager (history/pager.ts) through the
 * store, never read here. Also the shapes of what is asked of the history.
 */
import type { Conversation, ConversationEntry, MessageEntry } from './types.js';

/** Stored entries, oldest first; `more`: the history has more beyond them (in the paging direction). */
export interface EntryPage {
  entries: MessageEntry[];
  more: boolean;
}

/** One conversation's recent page, as loaded at start. */
export interface StoredConversationPage extends EntryPage {
  /** `all` or a name key. */
  key: string;
  /** Display name, terminal-safe. */
  title: string;
}

/** A search match (terminal-safe). */
export interface SearchMatch {
  id: string;
  from: string;
  text: string;
  time: number;
}

/** What the chat state asks of the history (answered later, by the store's history driver). */
export type HistoryRequest =
  /** The page older than the entry `before` (its id; null: the newest page). */
  | { type: 'older'; key: string; before: string | null }
  /** The page newer than the entry `after`. */
  | { type: 'newer'; key: string; after: string }
  /** The newest page, replacing the window (back to the bottom). */
  | { type: 'latest'; key: string }
  /** The page ending at message `id` (a search match), replacing the window. */
  | { type: 'jump'; key: string; id: string }
  /** Messages of `key` containing `text`. */
  | { type: 'search'; key: string; text: string };

function isMessage(e: ConversationEntry | undefined): e is MessageEntry {
  return e?.kind === 'message';
}

/** The id of the oldest message in the window, or null. */
export function oldestMessageId(c: Conversation): string | null {
  return c.entries.find(isMessage)?.id ?? null;
}

/** The id of the newest message in the window, or null. */
export function newestMessageId(c: Conversation): string | null {
  for (let i = c.entries.length - 1; i >= 0; i--) {
    const e = c.entries[i];
    if (isMessage(e)) return e.id;
  }
  return null;
}

function without(entries: MessageEntry[], c: Conversation): MessageEntry[] {
  const ids = new Set(c.entries.map((e) => e.id));
  return entries.filter((e) => !ids.has(e.id));
}

/** Adds an older page at the top; beyond `cap` entries the newest are dropped (they stay stored: `newerInDb`). */
export function prependOlder(c: Conversation, page: EntryPage, cap: number): void {
  c.entries = [...without(page.entries, c), ...c.entries];
  c.olderInDb = page.more;
  if (c.entries.length > cap) {
    c.entries.length = cap;
    c.newerInDb = true;
  }
}

/** Adds a newer page at the bottom; beyond `cap` entries the oldest are dropped (`olderInDb`). */
export function appendNewer(c: Conversation, page: EntryPage, cap: number): void {
  c.entries = [...c.entries, ...without(page.entries, c)];
  c.newerInDb = page.more;
  if (c.entries.length > cap) {
    c.entries.splice(0, c.entries.length - cap);
    c.olderInDb = true;
  }
}

/** Replaces the window with `page` (`newer`: stored messages follow it); the view starts at its bottom. */
export function replaceWindow(c: Conversation, page: EntryPage, newer: boolean): void {
  c.entries = [...page.entries];
  c.olderInDb = page.more;
  c.newerInDb = newer;
  c.generation = (c.generation ?? 0) + 1;
}
