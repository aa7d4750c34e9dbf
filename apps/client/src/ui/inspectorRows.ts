/**
 * One inspector row per datagram: time, direction, peer, size in bytes,
 * kind, and the payload — text when it is UTF-8 that is not a protocol
 * datagram, hex otherwise — so the boundaries of every datagram are visible.
 */
import type { DatagramRecord } from '../net/transport.js';
import { formatEndpoint } from '../text/endpoint.js';
import { payloadPreview } from '../text/payload.js';
import { displayWidth, padToWidth, truncateToWidth } from '../text/width.js';
import type { RowPart } from './conversationRows.js';
import { theme } from './theme.js';

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** The styled parts of one datagram's row, at most `width` columns. */
export function datagramRow(record: DatagramRecord, width: number): RowPart[] {
  const out = record.direction === 'out';
  const peer = formatEndpoint(record.peer.address, record.peer.port);
  const head = `${clock(record.time)} `;
  const arrow = out ? '→ ' : '← ';
  const middle = `${padToWidth(peer, 21)} ${String(record.bytes.length).padStart(5)} B  ${padToWidth(record.kind, 14)} `;
  const used = displayWidth(head) + displayWidth(arrow) + displayWidth(middle);
  const dropped = record.kind.startsWith('dropped');
  return [
    { text: head, color: theme.text.secondary },
    { text: arrow, color: out ? theme.status.info : theme.status.ok, bold: true },
    { text: middle, color: dropped ? theme.status.error : theme.text.primary },
    { text: truncateToWidth(payloadPreview(record.bytes), Math.max(0, width - used)), color: theme.text.secondary },
  ];
}
