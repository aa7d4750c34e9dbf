/**
 * Chat fan-out: one chat to its recipients, protocol clients and plain-text
 * peers alike (the rules for plain peers are described in plainPeers.ts).
 * Used for the chat of clients (router.ts) and of plain peers (plainPeers.ts).
 */
import { GROUP_ALL, MAX_TEXT_BYTES, nameKey, type ChatMessage } from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import type { RouterContext } from './context.js';
import { truncateUtf8 } from './replies.js';

/** Largest datagram sent to a plain peer, in bytes: the classic client reads with `recvfrom(1024)`. */
export const PLAIN_DATAGRAM_MAX_BYTES = 1024;

/**
 * The plain datagram a plain peer receives: `[sender] text`, cut (grapheme
 * boundary, final `…`) to at most `maxBytes` bytes of UTF-8.
 * @param maxBytes default PLAIN_DATAGRAM_MAX_BYTES (1024); at least 3.
 * @throws RangeError when `maxBytes` < 3 and the text does not fit.
 */
export function formatPlainText(sender: string, text: string, maxBytes: number = PLAIN_DATAGRAM_MAX_BYTES): string {
  // One newline ends the line, so `nc -u` prints each message on its own line.
  return `${truncateUtf8(`[${sender}] ${text}`, maxBytes - 1)}\n`;
}

/**
 * Delivers a chat to `recipients`: protocol clients get `chat` (encoded
 * once, text cut to MAX_TEXT_BYTES), plain peers get `[chat.from] chat.text`
 * (formatted once, cut to PLAIN_DATAGRAM_MAX_BYTES). Remote contacts (cluster
 * mode) are routed to their relays: a group chat once to the cluster, a
 * direct one to its recipient's relay.
 * @param chat with `from` set to the sender's registered name; its text may
 *   be longer than MAX_TEXT_BYTES (plain peers' text is).
 */
export function deliverChat(ctx: RouterContext, chat: ChatMessage, recipients: readonly Contact[]): void {
  const clients = recipients.filter((c) => c.type === 'client' && c.remote === undefined);
  const plain = recipients.filter((c) => c.type === 'plain');
  const wire = clients.length > 0 || ctx.cluster !== undefined ? { ...chat, text: truncateUtf8(chat.text, MAX_TEXT_BYTES) } : chat;
  if (clients.length > 0) ctx.out.sendToAll(wire, clients);
  if (ctx.cluster !== undefined && clients.length + plain.length < recipients.length) {
    if (nameKey(chat.to) === GROUP_ALL) ctx.cluster.group(wire);
    else for (const c of recipients) if (c.remote !== undefined) ctx.cluster.direct(wire, c);
  }
  if (plain.length > 0) {
    const line = formatPlainText(chat.from, chat.text);
    for (const peer of plain) ctx.out.sendText(line, peer);
  }
}
