/**
 * The one notice line of the chat state and where it came from: previews of
 * unread messages elsewhere (notices.ts, `previewNotice`), the feedback of a
 * message sent to a conversation that is not open (`→ bob: text ✓✓`), or
 * anything else (errors, registration, the quit question). A newer notice
 * replaces the older; previews and the sent feedback update themselves only
 * while they are the notice shown.
 */
import type { DeliveryState } from '../net/delivery/states.js';
import { previewNotice, sentNotice, type Preview } from './notices.js';
import type { Notice } from './types.js';

/** Where the notice came from. */
type NoticeSource = 'previews' | 'sent' | 'other';

export class NoticeBoard {
  private shown: Notice | null = null;
  private source: NoticeSource = 'other';
  /** The latest unread message per conversation, in arrival order. */
  private readonly previews = new Map<string, Preview>();
  /** The message last sent to a conversation that was not open, for its `→ bob: text ✓✓` notice. */
  private sentElsewhere: { id: string; to: string; text: string } | null = null;

  /** @param changed called on every change of the notice shown. */
  constructor(private readonly changed: () => void) {}

  /** The notice shown, or null. */
  get current(): Notice | null {
    return this.shown;
  }

  /** Shows `notice` (null: none). */
  set(notice: Notice | null): void {
    this.shown = notice;
    this.source = 'other';
    this.changed();
  }

  /** Drops an error notice (something was sent after it), keeping any other. */
  clearError(): void {
    if (this.shown?.level === 'error') this.shown = null;
  }

  /** A message arrived in the conversation `key`, which is not open: its preview is shown (newest last in `previews`). */
  preview(key: string, from: string, text: string): void {
    this.previews.delete(key);
    this.previews.set(key, { key, from, text });
    this.showPreviews();
  }

  /** The conversation `key` was opened: its preview goes. */
  opened(key: string): void {
    if (this.previews.delete(key) && this.source === 'previews') this.showPreviews();
  }

  /** A contact renamed: its preview moves to `newKey`, from `from` (terminal-safe). */
  renamed(oldKey: string, newKey: string, from: string): void {
    const preview = this.previews.get(oldKey);
    if (!preview) return;
    this.previews.delete(oldKey);
    this.previews.set(newKey, { ...preview, key: newKey, from });
    if (this.source === 'previews') this.showPreviews();
  }

  /** Message `id` went to a conversation that is not open: its feedback is shown (terminal-safe `to` and `text`). */
  sent(id: string, to: string, text: string, d: DeliveryState): void {
    this.sentElsewhere = { id, to, text };
    this.showSent(d);
  }

  /** True when `id` is the message of the sent feedback (the last one sent elsewhere). */
  isSentElsewhere(id: string): boolean {
    return this.sentElsewhere?.id === id;
  }

  /** Message `id` got delivery state `d`: true when that updated the sent feedback being shown. */
  delivery(id: string, d: DeliveryState): boolean {
    if (this.sentElsewhere?.id !== id || this.source !== 'sent') return false;
    this.showSent(d);
    return true;
  }

  /** Shows the unread previews (direct messages first), or clears the notice when none is left. */
  private showPreviews(): void {
    const text = previewNotice([...this.previews.values()]);
    this.shown = text ? { text, level: 'info' } : null;
    this.source = text ? 'previews' : 'other';
    this.changed();
  }

  /** The `→ bob: text ✓✓` notice in delivery state `d`. */
  private showSent(d: DeliveryState): void {
    const sent = this.sentElsewhere;
    if (!sent) return;
    this.shown = { text: sentNotice(sent.to, sent.text, d), level: d.state === 'failed' ? 'error' : 'info' };
    this.source = 'sent';
    this.changed();
  }
}
