/**
 * The boundaries demo's results as data (the `--json` object) and as text
 * (a table plus an explanation). Pure: no sockets, no clock, no ports, so
 * the same results always print the same way.
 */
import type { ExperimentResult, FramedResult, UdpResult } from './experiments.js';
import { wrapToWidth } from '../text/width.js';
import { PREFIX_BYTES } from './lengthPrefix.js';

/** Bytes of payload a preview shows before it is cut. */
export const PREVIEW_BYTES = 24;

/** One read (or decoded message) as reported. */
export interface ReadRow {
  /** Size in bytes. */
  bytes: number;
  /** Quoted text preview, e.g. `'hello'`, `''`, `'xxxx'… (+2976 bytes)`. */
  preview: string;
}

/** Everything the demo found; `--json` prints exactly this object. */
export interface BoundariesReport {
  /** Read size of the TCP receivers, in bytes. */
  readSize: number;
  /** Size in bytes of each write, in order. */
  writes: number[];
  /** Preview of each write, in order. */
  writePreviews: string[];
  /** Plain TCP: one row per read. `sameBytes`: the reads, joined, are the writes, joined. */
  tcp: { reads: ReadRow[]; sameBytes: boolean };
  /** UDP: one row per datagram read. `sameMessages`: the reads are exactly the writes. */
  udp: {
    reads: ReadRow[];
    sameMessages: boolean;
    expected: number;
    timedOut: boolean;
    timeoutMs: number;
    allSentBeforeFirstRead: boolean;
  };
  /** Length-prefixed TCP: one row per decoded message; `streamReads`: sizes of the raw reads decoded. */
  tcpFramed: { reads: ReadRow[]; sameMessages: boolean; streamReads: number[]; prefix: 'uint32 big-endian' };
}

/** The raw results of the three experiments. */
export interface BoundariesResults {
  writes: readonly Uint8Array[];
  readSize: number;
  tcp: ExperimentResult;
  udp: UdpResult;
  udpTimeoutMs: number;
  tcpFramed: FramedResult;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * A one-line preview of `bytes`: the UTF-8 text in single quotes (controls,
 * quotes and backslashes escaped), cut after `maxBytes` bytes (at a character
 * boundary) with `…` and the count of bytes left out.
 * @example preview(new Uint8Array()) === "''"
 * @example preview(bytesOf('x'.repeat(30))) === "'xxxxxxxxxxxxxxxxxxxxxxxx'… (+6 bytes)"
 */
export function preview(bytes: Uint8Array, maxBytes = PREVIEW_BYTES): string {
  if (bytes.length <= maxBytes) return quote(decoder.decode(bytes));
  let cut = maxBytes;
  // Do not cut a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
  return `${quote(decoder.decode(bytes.subarray(0, cut)))}… (+${bytes.length - cut} bytes)`;
}

function quote(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\\']/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === "'") return "\\'";
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `'${escaped}'`;
}

function rows(reads: readonly Uint8Array[]): ReadRow[] {
  return reads.map((r) => ({ bytes: r.length, preview: preview(r) }));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function joined(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function sameMessages(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((m, i) => sameBytes(m, b[i] ?? new Uint8Array(0)));
}

/** Condenses the experiments' raw results into the report (sizes, previews, checks). */
export function buildReport(results: BoundariesResults): BoundariesReport {
  const { writes } = results;
  return {
    readSize: results.readSize,
    writes: writes.map((w) => w.length),
    writePreviews: writes.map((w) => preview(w)),
    tcp: { reads: rows(results.tcp.reads), sameBytes: sameBytes(joined(results.tcp.reads), joined(writes)) },
    udp: {
      reads: rows(results.udp.reads),
      sameMessages: sameMessages(results.udp.reads, writes),
      expected: results.udp.expected,
      timedOut: results.udp.timedOut,
      timeoutMs: results.udpTimeoutMs,
      allSentBeforeFirstRead: results.udp.allSentBeforeFirstRead,
    },
    tcpFramed: {
      reads: rows(results.tcpFramed.reads),
      sameMessages: sameMessages(results.tcpFramed.reads, writes),
      streamReads: [...results.tcpFramed.streamReads],
      prefix: 'uint32 big-endian',
    },
  };
}

/** Column labels, as printed. */
export const COLUMN_LABELS = { tcp: 'TCP', udp: 'UDP', tcpFramed: 'TCP+prefix' } as const;

/**
 * The table: a line naming the writes, then one row per read / decoded
 * message (column, number, bytes, preview). Ends with a newline.
 */
export function formatTable(report: BoundariesReport): string {
  const sizeWidth = Math.max(...report.writes.map((size) => String(size).length));
  const writes = report.writePreviews.map(
    (p, i) => `  write ${i + 1}  ${String(report.writes[i] ?? 0).padStart(sizeWidth)} bytes  ${p}`,
  );
  const lines = [
    `The sender makes ${report.writes.length} writes, ${sum(report.writes)} bytes in all:`,
    ...writes,
    wrap(
      `The receiver waits until the sender has finished, then reads. A TCP read is one read(2) of at most ` +
        `${report.readSize} bytes, like Python's conn.recv(${report.readSize}); a UDP read is one datagram. ` +
        `# is the read number (for TCP+prefix: the decoded message number).`,
      78,
    ),
    '',
  ];
  const table: string[][] = [['column', '#', 'bytes', 'payload']];
  const add = (label: string, reads: readonly ReadRow[]) => {
    reads.forEach((r, i) => table.push([label, String(i + 1), String(r.bytes), r.preview]));
    if (reads.length === 0) table.push([label, '-', '-', '(nothing arrived)']);
  };
  add(COLUMN_LABELS.tcp, report.tcp.reads);
  add(COLUMN_LABELS.udp, report.udp.reads);
  add(COLUMN_LABELS.tcpFramed, report.tcpFramed.reads);
  const widths = [0, 1, 2].map((c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  const rightAligned = new Set([1, 2]);
  const render = (row: string[]) =>
    row
      .map((cell, c) => {
        const width = widths[c];
        if (width === undefined) return cell; // last column: no padding
        return rightAligned.has(c) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = table;
  const rule = [...widths, 'payload'.length].map((w) => '-'.repeat(w)).join('  ');
  lines.push(render(header ?? []), rule, ...body.map(render));
  return `${lines.join('\n')}\n`;
}

/**
 * The paragraph under the table: what each column shows and why, worded
 * from the results (so it stays true if, say, a datagram was lost).
 * Ends with a newline.
 */
export function formatExplanation(report: BoundariesReport): string {
  const n = report.writes.length;
  const total = sum(report.writes);
  const tcpReads = report.tcp.reads.length;
  const tcpFacts = describeStreamCuts(report.writes, report.tcp.reads.map((r) => r.bytes));
  const tcp =
    `${COLUMN_LABELS.tcp}: ${n} writes (${total} bytes) came out as ${tcpReads} ${plural(tcpReads, 'read')}` +
    `${report.tcp.sameBytes ? ', every byte there and in order' : ' — and the bytes differ from what was sent!'}. ` +
    `TCP is a byte stream: it keeps no boundaries between writes, and a read returns whatever is waiting, ` +
    `up to the read size. ${tcpFacts.length > 0 ? `Here ${joinFacts(tcpFacts)}. ` : ''}` +
    `That is 粘包 ("sticky packets"): the receiver cannot tell where one message ended.`;

  const udp = report.udp;
  const sizes = udp.reads.map((r) => r.bytes);
  const udpText =
    (udp.timedOut
      ? `${COLUMN_LABELS.udp}: only ${udp.reads.length} of ${udp.expected} datagrams arrived within ${udp.timeoutMs} ms — ` +
        `UDP gives no delivery guarantee: the rest were lost (or are late), and nothing tells the receiver. `
      : `${COLUMN_LABELS.udp}: one read per datagram, ${udp.reads.length} in all, sizes ${joinFacts(sizes.map(String))}. `) +
    (udp.sameMessages
      ? `Each datagram arrives whole and alone${
          report.writes.includes(0) ? ' — including the empty one, as a 0-byte read' : ''
        }. `
      : udp.reads.length > 0
        ? 'Each read is still one whole datagram, but the set differs from what was sent. '
        : '') +
    (udp.timedOut
      ? ''
      : `But UDP promises nothing about delivery: a datagram may be lost, duplicated or reordered ` +
        `(rare on loopback; the receiver waits at most ${udp.timeoutMs} ms and reports what came).`);

  const framed = report.tcpFramed;
  const wire = sum(framed.streamReads);
  const framedText =
    `${COLUMN_LABELS.tcpFramed}: each write is sent as a ${PREFIX_BYTES}-byte length (an unsigned 32-bit big-endian ` +
    `integer, Python's struct.pack('>I', n); the tutorials' struct.pack('i', n) is the same idea in native byte order) ` +
    `followed by its bytes. The receiver reads the stream the same way, ${framed.streamReads.length} ` +
    `${plural(framed.streamReads.length, 'read')} of at most ${report.readSize} bytes (${wire} bytes: ${total} of messages ` +
    `and ${n} × ${PREFIX_BYTES} of prefixes), and its decoder ` +
    (framed.sameMessages
      ? `restores exactly the ${n} messages${report.writes.includes(0) ? ', the empty one included' : ''}: ` +
        `the prefix puts the boundaries back.`
      : `got ${framed.reads.length} messages that differ from the ${n} sent!`);

  return `${[tcp, udpText, framedText].map((p) => wrap(p.trim(), 78)).join('\n\n')}\n`;
}

/** Table, a blank line, then the explanation: the whole text output. */
export function formatReport(report: BoundariesReport): string {
  return `${formatTable(report)}\n${formatExplanation(report)}`;
}

/**
 * Facts about how a byte stream's reads cut the writes: which reads mix
 * several writes, which writes are split, and that empty writes left no trace.
 */
function describeStreamCuts(writes: readonly number[], reads: readonly number[]): string[] {
  // Byte range of each read in the stream.
  const readRanges: Array<{ start: number; end: number }> = [];
  let position = 0;
  for (const size of reads) {
    readRanges.push({ start: position, end: position + size });
    position += size;
  }
  const readsOf = (start: number, end: number) =>
    readRanges.flatMap((r, i) => (r.start < end && start < r.end ? [i + 1] : []));
  const facts: string[] = [];
  const spans: number[][] = [];
  let offset = 0;
  for (const size of writes) {
    spans.push(size > 0 ? readsOf(offset, offset + size) : []);
    offset += size;
  }
  readRanges.forEach((_, index) => {
    const holders = spans.flatMap((s, w) => (s.includes(index + 1) ? [w + 1] : []));
    if (holders.length > 1) facts.push(`read ${index + 1} holds bytes of writes ${joinFacts(holders.map(String))}`);
  });
  spans.forEach((s, w) => {
    if (s.length > 1) facts.push(`write ${w + 1} (${writes[w]} bytes) is split across reads ${s[0]}–${s[s.length - 1]}`);
  });
  const empty = writes.flatMap((size, w) => (size === 0 ? [w + 1] : []));
  if (empty.length > 0) {
    facts.push(`the empty ${plural(empty.length, 'write')} ${joinFacts(empty.map(String))} sent nothing at all — there is no 0-byte read`);
  }
  return facts;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

function joinFacts(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Greedy word wrap to `width` columns (counting UTF-16 units; the CJK words here are short). */
/** `text` wrapped to `width` terminal columns (CJK counts two). */
function wrap(text: string, width: number): string {
  return wrapToWidth(text, width).join('\n');
}
