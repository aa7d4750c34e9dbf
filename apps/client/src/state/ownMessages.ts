/**
 * Own messages whose delivery is not final yet, by id, so that the session's
 * `delivery` events update their marks (◌ … ✓ ✓✓ ✗) in the conversation.
 */
import { GROUP_ALL, nameKey } from '@udpchat/protocol';
import { isFinal, type DeliveryState } from '../net/delivery/states.js';
import { escapeControls } from '../text/sanitize.js';
import type { Conversations } from './conversations.js';
import type { MessageEntry } from './types.js';

export class OwnMessages {
  private readonly byId = new Map<string, MessageEntry>();

  /** Follows the delivery of a message just sent (its entry is in a conversation). */
  track(entry: MessageEntry): void {
    this.byId.set(entry.id, entry);
  }

  /** Message `id` reached delivery state `d`: its entry, updated (and no longer followed once final), if followed. */
  update(id: string, d: DeliveryState): MessageEntry | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    entry.delivery = d;
    if (isFinal(d)) this.byId.delete(id);
    return entry;
  }

  /**
   * After (re-)registering as `name`: own messages still queued go out under
   * that name, so they are shown under it (entries are replaced, not mutated: the UI caches rows per entry).
   */
  relabelQueued(name: string, conversations: Conversations): void {
    const shown = escapeControls(name);
    for (const [id, entry] of this.byId) {
      if (entry.delivery?.state !== 'queued' || entry.from === shown) continue;
      const relabelled: MessageEntry = { ...entry, from: shown };
      this.byId.set(id, relabelled);
      conversations.replace(nameKey(entry.to ?? GROUP_ALL) === GROUP_ALL ? GROUP_ALL : nameKey(entry.to ?? ''), entry, relabelled);
    }
  }
}
