/**
 * Plain-text peers: anything that sends UTF-8 text over UDP — `nc -u HOST 8081`,
 * the classic Python "QQ" client (`qq_client.py`) — takes part in the chat
 * without speaking the protocol.
 *
 * Recognition (receive.ts):
 * - A datagram whose first bytes are not `FF 55` (`!isProtocolDatagram`) and
 *   that is well-formed UTF-8 is text from the plain peer at its source
 *   address. Any length is accepted (it is cut when relayed, below).
 * - Neither a protocol datagram nor UTF-8: dropped as `BAD_UTF8`; never a contact.
 * - A 0-byte datagram: dropped as `empty-datagram` (counted as `empty`), logged
 *   "0-byte datagram from ip:port" (rate-limited); never a contact.
 * - Text from the address of a registered protocol client: dropped as
 *   `plain-from-client` (a client is not also a plain peer).
 * - With `plainPeers: false` (`--no-plain-peers`): text is dropped as
 *   `plain-peers-off`, nothing else happens.
 * Dropped datagrams have no effect at all: they neither create nor refresh a peer.
 *
 * Identity and presence:
 * - A plain peer is a contact of type `plain` named after its address,
 *   `formatEndpoint`: `127.0.0.1:54321`, `[::1]:54321`. Client names cannot
 *   contain `:`, so the names never clash.
 * - It joins on its first text that is not dropped: every protocol client
 *   gets `join{name, type: 'plain'}`; clients registering later find it in
 *   their contact list pages with type `plain`. Logged 'plain peer joined'
 *   {contact, address, port}.
 * - Every text it sends refreshes it. Silent for `plainPeerTimeoutMs`
 *   (default 300 000 ms = 5 min; checked by the presence sweep) it is
 *   removed and the clients get `leave{name, reason: 'timeout'}`; logged
 *   'plain peer expired' {contact, address, port, silentMs}.
 * - It never gets protocol datagrams: no welcome, contact list, join, leave,
 *   heartbeat-ack, error or bye (also not when the relay stops).
 * - If its address later completes a protocol registration (hello, then its
 *   token back), the plain peer is replaced: the clients get
 *   `leave{ip:port, reason: 'bye'}`, then the new client's `join`.
 * - A new plain peer counts against the relay's limits (PROTOCOL.md §6.3):
 *   when the relay is full or its IP holds `maxPerIp` contacts and pending
 *   registrations, its text is dropped as `plain-peer-refused` (no answer).
 * - Its address is unvalidated (anyone can forge it): the relay sends it at
 *   most PLAIN_PEER_BUDGET_BYTES (16 KiB) until it sends again, which sets
 *   the budget back to 16 KiB; what does not fit is not sent (counted in
 *   `notSent['plain-budget']`).
 * - In shared-secret mode plain text is refused before it gets here (relay.ts).
 *
 * Its text:
 * - ONE trailing "\n" or "\r\n" is stripped (nc sends a newline per line).
 *   Nothing left: dropped as `empty-text`.
 * - `@NAME rest` (NAME = everything up to the first space, no whitespace in
 *   it) is a direct message with text `rest` to the contact NAME: a client
 *   name (case-insensitive, like all names) or a plain peer's `ip:port`.
 *   `@all rest` is for the group. An empty `rest` is dropped as `empty-text`.
 *   NAME not online: the peer gets the plain datagram `[relay] NAME is not
 *   online` (NAME cut to 64 bytes).
 * - Anything else goes to the group `all`.
 * - Clients receive `chat{id: newMessageId(), from: 'ip:port', to: 'all' or
 *   the recipient's name, time: Date.now(), text}`, the text cut to
 *   MAX_TEXT_BYTES (790) bytes of UTF-8 with a final `…` when longer.
 *
 * What plain peers receive:
 * - Group chat (from clients and from other plain peers) and direct chat
 *   whose `to` is their `ip:port`, each as ONE datagram of plain UTF-8
 *   `[sender] text` and ONE "\n" (so nc prints a line per message), at most
 *   PLAIN_DATAGRAM_MAX_BYTES (1024, the classic client's `recvfrom` buffer)
 *   bytes with the "\n", cut with a final `…` before it when longer (only
 *   text from another plain peer can be: a client's chat makes at most 922;
 *   plain -> plain text is cut from the full text, not from the 790-byte
 *   chat version). The protocol sender gets no error for these.
 * - All cuts are at a grapheme cluster boundary (never inside a UTF-8
 *   sequence, surrogate pair or emoji sequence; see `truncateUtf8`).
 */
import { GROUP_ALL, nameKey, newMessageId, type ChatMessage } from '@udpchat/protocol';
import { PLAIN_PEER_BUDGET_BYTES, type Contact } from '../state/contacts.js';
import type { RouterContext } from './context.js';
import { formatEndpoint, type Endpoint } from '@udpchat/net';
import { deliverChat, formatPlainText } from './fanout.js';
import { expirePending } from './membership.js';
import { HANDLED, type RouteOutcome } from './outcome.js';
import { truncateUtf8 } from './replies.js';
import { rosterChanged } from './presence.js';

/** Default silence after which a plain peer is dropped, in ms (5 minutes). */
export const PLAIN_PEER_TIMEOUT_MS = 300_000;

/** Sender shown in the relay's own plain-text notices: `[relay] …`. */
export const RELAY_SENDER = 'relay';

/** Longest unknown NAME echoed in `[relay] NAME is not online`, in UTF-8 bytes. */
const MAX_ECHOED_NAME_BYTES = 64;

/** What a plain peer's text asks for: the group, or one contact by name. */
export type PlainText =
  /** To the group `all`. */
  | { readonly kind: 'group'; readonly text: string }
  /** To the contact named `to` (not checked here: it may be offline or nobody). */
  | { readonly kind: 'direct'; readonly to: string; readonly text: string };

/**
 * Reads one datagram's text: strips ONE trailing `\n` or `\r\n`, then a
 * leading `@NAME ` (NAME without whitespace) makes it direct, `@all ` (any
 * case) explicitly for the group.
 * @returns null when no text is left (an empty line, or `@NAME ` alone).
 */
export function parsePlainText(raw: string): PlainText | null {
  const text = raw.endsWith('\r\n') ? raw.slice(0, -2) : raw.endsWith('\n') ? raw.slice(0, -1) : raw;
  if (text.length === 0) return null;
  const direct = /^@(\S+) /u.exec(text);
  if (!direct) return { kind: 'group', text };
  const to = direct[1] as string;
  const rest = text.slice(direct[0].length);
  if (rest.length === 0) return null;
  return nameKey(to) === GROUP_ALL ? { kind: 'group', text: rest } : { kind: 'direct', to, text: rest };
}

/** Whether a new plain peer at `from` fits the limits: fewer than maxContacts contacts, fewer than maxPerIp of its IP (0 = no cap). */
function mayAddPlainPeer(ctx: RouterContext, from: Endpoint): boolean {
  const { maxContacts, maxPerIp } = ctx.config;
  if (ctx.contacts.localSize >= maxContacts) return false;
  expirePending(ctx); // an expired pending registration no longer counts against its IP
  return maxPerIp === 0 || ctx.contacts.ipCount.get(from.address) < maxPerIp;
}

/**
 * Adds the plain peer at `from` (the caller checked the endpoint is free):
 * `join{name, type: 'plain'}` to every client, 'plain peer joined' logged,
 * the joined event fired.
 * @throws Error when the endpoint is already registered (caller bug).
 */
function addPlainPeer(ctx: RouterContext, from: Endpoint): Contact {
  const peer = ctx.contacts.add(formatEndpoint(from), from, ctx.now(), 'plain');
  rosterChanged(ctx, [{ name: peer.name, state: 'plain' }], { kind: 'join', name: peer.name, type: 'plain' });
  ctx.log.info({ contact: peer.name, address: from.address, port: from.port }, 'plain peer joined');
  ctx.events.joined(peer);
  return peer;
}

/**
 * Handles one datagram of plain text `raw` (well-formed UTF-8, not a
 * protocol datagram) from `from`, as described at the top of this module:
 * joins the peer on its first text, refreshes it, relays to the group or
 * one contact, or answers `[relay] NAME is not online`.
 * @returns handled, or dropped as `plain-from-client` / `empty-text` (without effect).
 */
export function handlePlainText(ctx: RouterContext, raw: string, from: Endpoint, key: string = formatEndpoint(from)): RouteOutcome {
  const known = ctx.contacts.atKey(key);
  if (known && known.type !== 'plain') return { handled: false, reason: 'plain-from-client' };
  // It sent: what the relay may send it is back to the full budget.
  if (known) known.sendBudget = PLAIN_PEER_BUDGET_BYTES;
  const parsed = parsePlainText(raw);
  if (!parsed) return { handled: false, reason: 'empty-text' };
  if (!known && !mayAddPlainPeer(ctx, from)) return { handled: false, reason: 'plain-peer-refused' };
  const peer = known ?? addPlainPeer(ctx, from);
  ctx.contacts.touch(peer, ctx.now());
  // Plain-text peers do not number their messages (epoch 0, seq 0): receivers show them at once and never ack them.
  const chat: ChatMessage = {
    kind: 'chat',
    id: newMessageId(),
    from: peer.name,
    to: GROUP_ALL,
    epoch: 0,
    seq: 0,
    base: 0,
    time: Date.now(),
    text: parsed.text,
  };
  if (parsed.kind === 'group') {
    const recipients = ctx.contacts.othersThan(peer);
    deliverChat(ctx, chat, recipients);
    ctx.log.debug({ id: chat.id, from: peer.name, to: GROUP_ALL, recipients: recipients.length }, 'plain text relayed');
    return HANDLED;
  }
  const target = ctx.contacts.named(parsed.to);
  if (!target) {
    ctx.out.sendText(formatPlainText(RELAY_SENDER, `${truncateUtf8(parsed.to, MAX_ECHOED_NAME_BYTES)} is not online`), peer);
    return HANDLED;
  }
  deliverChat(ctx, { ...chat, to: target.name }, [target]);
  ctx.log.debug({ id: chat.id, from: peer.name, to: target.name }, 'plain text relayed');
  return HANDLED;
}
