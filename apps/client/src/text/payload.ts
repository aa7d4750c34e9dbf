/** How a datagram's payload is shown to people (inspector, line mode). */
import { decode, isProtocolDatagram, isValidUtf8 } from '@udpchat/protocol';
import { escapeControls } from './sanitize.js';

/**
 * The payload as shown: `(empty: 0 bytes)`; quoted, escaped text for UTF-8 that is not a
 * protocol datagram; otherwise the first `maxBytes` bytes in hex, after the quoted text
 * when the datagram is a protocol chat message (so a reader sees both the words and the bytes).
 */
export function payloadPreview(bytes: Uint8Array, maxBytes = 48): string {
  if (bytes.length === 0) return '(empty: 0 bytes)';
  if (!isProtocolDatagram(bytes) && isValidUtf8(bytes)) return JSON.stringify(escapeControls(new TextDecoder().decode(bytes)));
  const shown = Array.from(bytes.subarray(0, maxBytes), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const hex = bytes.length > maxBytes ? `${shown} …` : shown;
  return isProtocolDatagram(bytes) ? `${chatText(bytes)}${hex}` : hex;
}

function chatText(bytes: Uint8Array): string {
  try {
    const message = decode(bytes);
    return message.kind === 'chat' ? `${JSON.stringify(escapeControls(message.text))}  ` : '';
  } catch {
    return '';
  }
}

