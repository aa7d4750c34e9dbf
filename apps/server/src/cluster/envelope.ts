/**
 * The envelope of a datagram routed between relays (CLUSTER.md "Routed
 * datagrams"): a direct chat or ack on `<prefix>.relay.<id>`, a group chat
 * on `<prefix>.group`. Binary, so that a chat costs a few bytes more than
 * its datagram:
 *
 *   0x01 | origin relay id length (1 byte) | origin relay id (ASCII) | the datagram
 *
 * The datagram is the one the recipient gets (PROTOCOL.md wire format,
 * `from` already the sender's registered name, no token, no auth trailer:
 * the relay that sends it to its client signs it in shared-secret mode).
 * A control message (messages.ts) is JSON and starts with `{` (0x7b), so
 * the first byte tells the two apart.
 */
import { encode, tryDecodeDatagram, type AckMessage, type ChatMessage } from '@udpchat/protocol';
import { RELAY_ID_PATTERN } from './options.js';

/** First byte of a routed datagram envelope. */
export const ENVELOPE_MARK = 0x01;

/** What a relay routes to another: a chat or an ack. */
export type RoutedMessage = ChatMessage | AckMessage;

/** `message` from relay `origin` in its envelope. */
export function encodeEnvelope(origin: string, message: RoutedMessage): Uint8Array {
  const id = Buffer.from(origin, 'latin1');
  const datagram = encode(message);
  const out = new Uint8Array(2 + id.length + datagram.length);
  out[0] = ENVELOPE_MARK;
  out[1] = id.length;
  out.set(id, 2);
  out.set(datagram, 2 + id.length);
  return out;
}

/** Whether `bytes` is a routed datagram envelope (else: a control message, or garbage). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === ENVELOPE_MARK;
}

/**
 * Reads an envelope.
 * @returns the origin relay and its chat or ack, or why it is not one (a bad origin, a datagram
 *   that does not decode, or another kind).
 */
export function decodeEnvelope(bytes: Uint8Array): { origin: string; message: RoutedMessage } | { error: string } {
  if (!isEnvelope(bytes) || bytes.length < 2) return { error: 'not an envelope' };
  const idLength = bytes[1] as number;
  const origin = Buffer.from(bytes.subarray(2, 2 + idLength)).toString('latin1');
  if (!RELAY_ID_PATTERN.test(origin)) return { error: 'bad origin relay id' };
  const result = tryDecodeDatagram(bytes.subarray(2 + idLength));
  if (!result.ok) return { error: `datagram: ${result.code}` };
  const { message } = result;
  if (message.kind !== 'chat' && message.kind !== 'ack') return { error: `a ${message.kind} is never routed` };
  return { origin, message };
}
