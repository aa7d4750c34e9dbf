/**
 * The epochs a receiver has seen per conversation (PROTOCOL.md §4.6, §5):
 * a sender picks a new random epoch whenever it starts a conversation over
 * (it restarted, or dropped the conversation on a leave), and never goes
 * back to an old one. So of the epochs seen for one conversation key, the
 * last is the current one, one never seen starts a new conversation, and
 * one seen before the current is over: its late copies are dropped, not
 * taken for yet another new start (which would throw the current one away).
 */

/** How an epoch stands in its conversation. */
export type EpochStanding = 'current' | 'new' | 'over';

/** Most epochs remembered per conversation key. */
const PER_KEY = 8;
/** Most conversation keys remembered (the least recently changed are forgotten first). */
const MAX_KEYS = 4096;

export class EpochHistory {
  /** Per conversation key, its epochs in the order first seen (the last is current). */
  private readonly byKey = new Map<string, number[]>();

  /** Where `epoch` stands in conversation `key`; a new one becomes the current one. O(PER_KEY). */
  see(key: string, epoch: number): EpochStanding {
    const seen = this.byKey.get(key);
    if (seen !== undefined && seen[seen.length - 1] === epoch) return 'current';
    if (seen?.includes(epoch)) return 'over';
    const now = seen ?? [];
    now.push(epoch);
    if (now.length > PER_KEY) now.shift();
    this.byKey.delete(key);
    this.byKey.set(key, now);
    if (this.byKey.size > MAX_KEYS) this.byKey.delete(this.byKey.keys().next().value as string);
    return 'new';
  }

  /** Conversation `from` is now `to` (its sender renamed): its epochs follow it. */
  rename(from: string, to: string): void {
    const seen = this.byKey.get(from);
    if (seen === undefined || this.byKey.has(to)) return;
    this.byKey.delete(from);
    this.byKey.set(to, seen);
  }
}
