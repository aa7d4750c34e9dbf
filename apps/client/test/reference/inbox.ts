/*
 * REFERENCE MODEL for deliveryModel.test.ts, not used by the client: the Inbox
 * as it was before its queues were made proportional to the work (commit
 * 562b00a), kept verbatim but for import paths and the conversation epoch
 * (PROTOCOL.md §4.6: a new epoch starts the conversation over, an earlier
 * one's late copies are dropped; it replaced telling a restart by a new id
 * at a known seq). Simple and slow on purpose
 * (scans and sorts everything on every call); its behaviour is the contract.
 */
/**
 * The receiving half of reliable delivery: drops duplicates (by message id in
 * a bounded window, and by sequence number), shows each conversation's
 * messages in the order they were written — holding a later message back
 * while an earlier one is missing — and says what to acknowledge.
 * A gap is never waited for forever: it closes when the missing message
 * arrives, when the sender's `base` passes it (the sender gave up on it),
 * when the sender leaves, or after `holdMs`. No I/O here.
 */
import { GROUP_ALL, MAX_ACK_RANGES, nameKey, type ChatMessage } from '@udpchat/protocol';

/** Options of an `Inbox`. */
export interface InboxOptions {
  /** Longest time a message waits for an earlier one, in ms (default 30,000). */
  holdMs?: number;
  /** Most messages held back per conversation (default 1,024); beyond that they are dropped unacked, and resent later. */
  maxHeld?: number;
  /** How many recent message ids are remembered for duplicate detection (default 4,096). */
  idWindow?: number;
}

/** What to acknowledge for one conversation: `to` is its sender. */
export interface AckNeeded {
  to: string;
  group: boolean;
  epoch: number;
  upTo: number;
  ranges: Array<[number, number]>;
}

/** The result of receiving one message. */
export interface Received {
  /** Messages to show now, in order (possibly none, possibly several). */
  deliver: ChatMessage[];
  /** The ack to send (null for unnumbered messages, e.g. from plain-text peers). */
  ack: AckNeeded | null;
  /** Whether it was a duplicate (dropped, but acknowledged again). */
  duplicate: boolean;
}

interface Stream {
  sender: string;
  group: boolean;
  epoch: number;
  /** Next seq to show. */
  expected: number;
  /** Held messages by seq, with the time each arrived. */
  held: Map<number, { message: ChatMessage; at: number }>;
  /**
   * Seqs below `expected` that never arrived: skipped by the hold timeout while the
   * sender may still retransmit them. Never acknowledged; shown late if they come.
   */
  missing: Set<number>;
}

export class Inbox {
  private readonly streams = new Map<string, Stream>();
  /** Every epoch seen per conversation key, in the order first seen: the last is current, the others are over. */
  private readonly epochsSeen = new Map<string, number[]>();
  private readonly recentIds = new Set<string>();
  private readonly holdMs: number;
  private readonly maxHeld: number;
  private readonly idWindow: number;

  constructor(options: InboxOptions = {}) {
    this.holdMs = options.holdMs ?? 30_000;
    this.maxHeld = options.maxHeld ?? 1024;
    this.idWindow = options.idWindow ?? 4096;
  }

  /** Sizes, for tests and stats: conversations, held messages, remembered ids. */
  get sizes(): { streams: number; held: number; ids: number } {
    let held = 0;
    for (const s of this.streams.values()) held += s.held.size;
    return { streams: this.streams.size, held, ids: this.recentIds.size };
  }

  /** Takes one incoming chat message. `time` is now, in ms. */
  receive(message: ChatMessage, time: number): Received {
    const duplicateId = this.recentIds.has(message.id);
    if (message.seq === 0) {
      // Unnumbered (a plain-text peer): no order to keep, nobody to ack.
      if (duplicateId) return { deliver: [], ack: null, duplicate: true };
      this.remember(message.id);
      return { deliver: [message], ack: null, duplicate: false };
    }
    const key = streamKey(message.from, nameKey(message.to) === GROUP_ALL);
    const seen = this.epochsSeen.get(key) ?? [];
    this.epochsSeen.set(key, seen);
    const current = seen[seen.length - 1];
    const old = this.streams.get(key);
    if (seen.includes(message.epoch) && message.epoch !== current && old?.epoch !== message.epoch) return { deliver: [], ack: null, duplicate: true };
    if (message.epoch !== current) seen.push(message.epoch);
    const deliver: ChatMessage[] = [];
    if (old && old.epoch !== message.epoch) {
      // A new epoch: what the old conversation held is shown now (as on a leave), then the new one starts.
      for (const seq of [...old.held.keys()].sort((a, b) => a - b)) deliver.push((old.held.get(seq) as { message: ChatMessage }).message);
      this.streams.delete(key);
    }
    const stream = this.stream(message);
    if (message.base > stream.expected) this.skipTo(stream, message.base, deliver);
    // Below base the sender will never retransmit: stop waiting for those.
    for (const seq of stream.missing) if (seq < message.base) stream.missing.delete(seq);
    const late = stream.missing.has(message.seq);
    const seqDuplicate = (message.seq < stream.expected && !late) || stream.held.has(message.seq);
    const duplicate = duplicateId || seqDuplicate;
    if (duplicateId && !seqDuplicate) {
      // Shown before under another seq (a restarted sender's retry, same id): taken in order, not shown, acked.
      if (late) stream.missing.delete(message.seq);
      else if (message.seq === stream.expected) {
        stream.expected++;
        this.drain(stream, deliver);
      }
    } else if (!duplicate) {
      this.remember(message.id);
      if (late) {
        stream.missing.delete(message.seq); // skipped by the hold timeout, now here: shown late
        deliver.push(message);
      } else if (message.seq === stream.expected) {
        deliver.push(message);
        stream.expected++;
        this.drain(stream, deliver);
      } else if (stream.held.size < this.maxHeld) {
        stream.held.set(message.seq, { message, at: time });
      }
    }
    return { deliver, ack: ackFor(stream), duplicate };
  }

  /** Releases messages held longer than `holdMs` (skipping the gap before them), in order. */
  expire(time: number): ChatMessage[] {
    const released: ChatMessage[] = [];
    for (const stream of this.streams.values()) {
      if (stream.held.size === 0) continue;
      const oldest = Math.min(...[...stream.held.values()].map((h) => h.at));
      if (time - oldest < this.holdMs) continue;
      const first = Math.min(...stream.held.keys());
      for (let seq = stream.expected; seq < first; seq++) stream.missing.add(seq);
      this.skipTo(stream, first, released);
    }
    return released;
  }

  /** `sender` went offline: forgets its conversations and releases what was held, in order. */
  dropSender(sender: string): ChatMessage[] {
    const released: ChatMessage[] = [];
    const key = nameKey(sender);
    for (const [id, stream] of this.streams) {
      if (nameKey(stream.sender) !== key) continue;
      const seqs = [...stream.held.keys()].sort((a, b) => a - b);
      for (const seq of seqs) released.push((stream.held.get(seq) as { message: ChatMessage }).message);
      this.streams.delete(id);
    }
    return released;
  }

  private stream(message: ChatMessage): Stream {
    const group = nameKey(message.to) === GROUP_ALL;
    const key = `${nameKey(message.from)}\u0000${group ? GROUP_ALL : ''}`;
    let stream = this.streams.get(key);
    if (!stream) {
      // A conversation seen for the first time starts at the sender's base: nothing below it will come.
      stream = { sender: message.from, group, epoch: message.epoch, expected: Math.max(1, message.base || message.seq), held: new Map(), missing: new Set() };
      this.streams.set(key, stream);
    }
    return stream;
  }

  /** Moves `expected` up to `seq`, showing the held messages below it in order. */
  private skipTo(stream: Stream, seq: number, out: ChatMessage[]): void {
    const below = [...stream.held.keys()].filter((s) => s < seq).sort((a, b) => a - b);
    for (const s of below) {
      out.push((stream.held.get(s) as { message: ChatMessage }).message);
      stream.held.delete(s);
    }
    stream.expected = Math.max(stream.expected, seq);
    this.drain(stream, out);
  }

  private drain(stream: Stream, out: ChatMessage[]): void {
    for (let next = stream.held.get(stream.expected); next; next = stream.held.get(stream.expected)) {
      out.push(next.message);
      stream.held.delete(stream.expected);
      stream.expected++;
    }
  }

  private remember(id: string): void {
    this.recentIds.add(id);
    if (this.recentIds.size > this.idWindow) {
      // A Set iterates in insertion order: the first is the oldest.
      this.recentIds.delete(this.recentIds.values().next().value as string);
    }
  }
}

/**
 * The cumulative ack for a conversation: everything below `expected` but the
 * missing seqs (never acknowledged: the sender must keep trying them), plus the
 * held runs, as `upTo` and at most MAX_ACK_RANGES ranges.
 */
function ackFor(stream: Stream): AckNeeded {
  const gaps = [...stream.missing].sort((a, b) => a - b);
  const upTo = (gaps[0] ?? stream.expected) - 1;
  const ranges: Array<[number, number]> = [];
  const add = (first: number, last: number): boolean => {
    const prev = ranges[ranges.length - 1];
    if (prev && first === prev[1] + 1) prev[1] = last;
    else if (ranges.length < MAX_ACK_RANGES) ranges.push([first, last]);
    else return false;
    return true;
  };
  // Received between the gaps, up to expected - 1.
  for (let i = 0; i < gaps.length; i++) {
    const from = (gaps[i] as number) + 1;
    const to = (gaps[i + 1] ?? stream.expected) - 1;
    if (from <= to && !add(from, to)) return { to: stream.sender, group: stream.group, epoch: stream.epoch, upTo, ranges };
  }
  for (const seq of [...stream.held.keys()].sort((a, b) => a - b)) if (!add(seq, seq)) break;
  return { to: stream.sender, group: stream.group, epoch: stream.epoch, upTo, ranges };
}

/** The key of a sender's direct (`group` false) or group conversation (as in `stream`). */
function streamKey(sender: string, group: boolean): string {
  return `${nameKey(sender)}\u0000${group ? GROUP_ALL : ''}`;
}
