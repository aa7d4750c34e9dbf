/**
 * The texts of the store's message notices: previews of messages that arrived
 * in other conversations (direct ones before the group's), and the feedback
 * line of a message sent to another conversation (`@bob text`) with its
 * delivery mark.
 */
import { GROUP_ALL } from '@udpchat/protocol';
import type { DeliveryState } from '../net/delivery/states.js';
import { deliveryMark } from './deliveryMark.js';

/** The latest unread message of one conversation, shown until that conversation is opened. */
export interface Preview {
  /** Conversation key (`all` or a name key). */
  key: string;
  /** Sender's name, terminal-safe. */
  from: string;
  /** The text, terminal-safe. */
  text: string;
}

/**
 * One notice line for the unread previews, newest first within each kind:
 * direct messages before group ones (a direct message is never hidden by a
 * later group message), the first with a hint how to read it.
 * @param previews in arrival order (oldest first); empty gives ''.
 */
export function previewNotice(previews: readonly Preview[]): string {
  const newestFirst = [...previews].reverse();
  const ordered = [...newestFirst.filter((p) => p.key !== GROUP_ALL), ...newestFirst.filter((p) => p.key === GROUP_ALL)];
  return ordered
    .map((p, i) => {
      const where = p.key === GROUP_ALL ? `${p.from} in all` : p.from;
      const hint = i === 0 ? `  (/to ${p.key === GROUP_ALL ? GROUP_ALL : p.from} to read)` : '';
      return `${where}: ${p.text}${hint}`;
    })
    .join('  ·  ');
}

/** `→ bob: text ✓✓`: a message sent to a conversation that is not open, and how far it got. */
export function sentNotice(to: string, text: string, d: DeliveryState): string {
  return `→ ${to}: ${text} ${deliveryMark(d, 'notice')}`;
}
