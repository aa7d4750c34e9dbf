/**
 * The conversations of the chat state: `all` and one per contact, their
 * entries (capped), unread counts, and which one is open. Entries are
 * terminal-safe text (the caller escapes); replaced entries are new objects
 * (the UI caches rows per entry).
 */
import { GROUP_ALL } from '@udpchat/protocol';
import type { Conversation, ConversationEntry, MessageEntry } from './types.js';

export class Conversations {
  private readonly byKey = new Map<string, Conversation>();
  private readonly unread = new Map<string, number>();
  private systemIds = 0;
  /** The key of the open conversation (`all` or a name key). */
  openKey = GROUP_ALL;

  /** @param maxEntries most entries kept per conversation (trimmed in chunks of 10 %). */
  constructor(private readonly maxEntries: number) {
    this.byKey.set(GROUP_ALL, { key: GROUP_ALL, title: GROUP_ALL, entries: [] });
  }

  /** The conversation `key`, if it exists. */
  find(key: string): Conversation | undefined {
    return this.byKey.get(key);
  }

  /** The conversation `key`, made when missing; `title` (when given) renames a contact's conversation. */
  get(key: string, title?: string): Conversation {
    let conversation = this.byKey.get(key);
    if (!conversation) {
      conversation = { key, title: title ?? key, entries: [] };
      this.byKey.set(key, conversation);
    } else if (title && key !== GROUP_ALL) {
      conversation.title = title;
    }
    return conversation;
  }

  /** Every conversation, `all` first. */
  all(): Conversation[] {
    return [...this.byKey.values()];
  }

  /** The open conversation (`all` when the open one is gone). */
  open(): Conversation {
    return this.byKey.get(this.openKey) ?? this.get(GROUP_ALL);
  }

  /** Where a message typed in the open conversation goes: `all`, or the contact's name. */
  openTarget(): string {
    return this.openKey === GROUP_ALL ? GROUP_ALL : this.get(this.openKey).title;
  }

  /**
   * Adds an entry at the end, dropping the oldest beyond the cap (they stay
   * in the history, if there is one: `olderInDb`). Not while the window shows
   * older stored messages (`newerInDb`): the entry is stored and comes with
   * the newer pages.
   */
  append(conversation: Conversation, entry: ConversationEntry): void {
    if (conversation.newerInDb) return;
    conversation.entries.push(entry);
    // Trim in chunks of 10 %: one splice per many messages, not one O(n) splice per message.
    if (conversation.entries.length > this.maxEntries * 1.1) {
      conversation.entries.splice(0, conversation.entries.length - this.maxEntries);
      conversation.olderInDb = true;
    }
  }

  /** Adds a line from the program itself (joins, help, errors) to the conversation `key`. */
  system(key: string, text: string, level: 'info' | 'error' = 'info'): void {
    const entry: ConversationEntry = { kind: 'system', id: `sys-${++this.systemIds}`, text, time: Date.now(), level };
    this.append(this.get(key), entry);
  }

  /** Replaces `entry` with `next` in the conversation `key` (its latest occurrence), if it is there. */
  replace(key: string, entry: MessageEntry, next: MessageEntry): void {
    const conversation = this.byKey.get(key);
    if (!conversation) return;
    const index = conversation.entries.lastIndexOf(entry);
    if (index >= 0) conversation.entries[index] = next;
  }

  /** Unread messages in the conversation `key`. */
  unreadOf(key: string): number {
    return this.unread.get(key) ?? 0;
  }

  /** One more unread message in the conversation `key`. */
  countUnread(key: string): void {
    this.unread.set(key, this.unreadOf(key) + 1);
  }

  /** Opens the conversation `key` (made, titled `title`, when missing) and clears its unread count; returns the key left. */
  openAt(key: string, title: string, online: (title: string) => boolean): string {
    const conversation = this.get(key, title);
    const left = this.openKey;
    this.openKey = conversation.key;
    this.unread.delete(conversation.key);
    this.forgetEmpty(left, online);
    return left;
  }

  /** Drops the conversation `key` when it is empty and its contact is offline (a `/to` typo leaves nothing behind). */
  private forgetEmpty(key: string, online: (title: string) => boolean): void {
    if (key === GROUP_ALL || key === this.openKey) return;
    const conversation = this.byKey.get(key);
    if (conversation && conversation.entries.length === 0 && !online(conversation.title)) this.byKey.delete(key);
  }

  /**
   * A contact renamed: its conversation (history, unread, being open) moves
   * from `oldKey` to `newKey`, titled `title`, merged in time order with one
   * already there; own messages in it now go `to` the new name.
   * @returns whether there was a conversation to move.
   */
  move(oldKey: string, newKey: string, title: string, to: string): boolean {
    const moved = this.byKey.get(oldKey);
    if (!moved) return false;
    const target = oldKey === newKey ? undefined : this.byKey.get(newKey);
    this.byKey.delete(oldKey);
    moved.key = newKey;
    moved.title = title;
    if (target) moved.entries = [...target.entries, ...moved.entries].sort((a, b) => a.time - b.time);
    for (const e of moved.entries) if (e.kind === 'message' && e.own) e.to = to;
    this.byKey.set(newKey, moved);
    const unread = this.unreadOf(oldKey) + (oldKey === newKey ? 0 : this.unreadOf(newKey));
    this.unread.delete(oldKey);
    if (unread > 0) this.unread.set(newKey, unread);
    if (this.openKey === oldKey) this.openKey = newKey;
    return true;
  }
}
