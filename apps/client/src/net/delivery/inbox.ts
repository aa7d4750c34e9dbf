/**
 * The receiving half of reliable delivery: drops duplicates (by message id in
 * a bounded window, and by sequence number), shows each conversation's
 * messages in the order they were written — holding a later message back
 * while an earlier one is missing — and says what to acknowledge.
 * A gap is never waited for forever: it closes when the missing message
 * arrives, when the sender's `base` passes it (the sender gave up on it),
 * when the sender leaves, or after `holdMs`. A conversation is one sender's
 * epoch (PROTOCOL.md §4.6): a new epoch from a sender starts a new one, what
 * the old one held is shown then (epochs.ts). No I/O here.
 */
import { GROUP_ALL, MAX_ACK_RANGES, nameKey, type ChatMessage } from '@udpchat/protocol';
import { IndexedHeap } from './heap.js';
import { EpochHistory } from './epochs.js';
import { RunSet } from './runs.js';

/** Options of an `Inbox`. */
export interface InboxOptions {
  /** Longest time a message waits for an earlier one, in ms (default 30,000). */
  holdMs?: number;
  /** Most messages held back per conversation (default 1,024); beyond that they are dropped unacked, and resent later. */
  maxHeld?: number;
  /** How many recent message ids are remembered for duplicate detection (default 4,096). */
  idWindow?: number;
}

/** What to acknowledge for one conversation: `to` is its sender, `epoch` its epoch. */
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
  /** Whether it was a duplicate (dropped, but acknowledged again), or from a conversation that is over (dropped, not acknowledged). */
  duplicate: boolean;
}

interface Stream {
  sender: string;
  group: boolean;
  /** The sender's epoch for this conversation. */
  epoch: number;
  /** Next seq to show. */
  expected: number;
  /** Held messages by seq, with the time each arrived. */
  held: Map<number, Held>;
  /** The seqs of `held`, as runs (what the ack's ranges are made of). */
  heldRuns: RunSet;
  /** `held` by arrival time, oldest first. */
  byArrival: IndexedHeap<Held>;
  /**
   * Seqs below `expected` that never arrived: skipped by the hold timeout while the
   * sender may still retransmit them. Never acknowledged; shown late if they come.
   */
  missing: RunSet;
}

interface Held {
  seq: number;
  message: ChatMessage;
  /** Arrival, in ms. */
  at: number;
  /** Slot in `Stream.byArrival`. */
  slot: number;
}

const newArrivalHeap = (): IndexedHeap<Held> =>
  new IndexedHeap<Held>((a, b) => a.at < b.at, (h) => h.slot, (h, slot) => (h.slot = slot));

export class Inbox {
  private readonly streams = new Map<string, Stream>();
  private readonly epochs = new EpochHistory();
  private readonly recentIds = new Set<string>();
  /** `recentIds` in the order remembered, a ring of `idWindow` slots: the one at `nextId` goes next. */
  private readonly idRing: string[] = [];
  private nextId = 0;
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
    return { streams: this.streams.size, held: this.heldCount, ids: this.recentIds.size };
  }

  /** Messages held back for a gap, all conversations together (`sizes.held`, without building `sizes`). */
  get heldCount(): number {
    let held = 0;
    for (const s of this.streams.values()) held += s.held.size;
    return held;
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
    let stream = this.streams.get(key);
    const standing = this.epochs.see(key, message.epoch);
    // A late copy from a conversation that is over: nobody waits for its ack (found by apps/sim).
    if (standing === 'over' && stream?.epoch !== message.epoch) return { deliver: [], ack: null, duplicate: true };
    const deliver: ChatMessage[] = [];
    if (stream && stream.epoch !== message.epoch) {
      // The sender started this conversation over (it restarted, or dropped it on a leave we
      // never saw; found by apps/sim): what the old one held is shown now (as on a leave).
      this.release(stream, deliver);
      this.streams.delete(key);
      stream = undefined;
    }
    stream ??= this.stream(message);
    if (message.base > stream.expected) this.skipTo(stream, message.base, deliver);
    // Below base the sender will never retransmit: stop waiting for those.
    stream.missing.deleteBelow(message.base);
    const late = stream.missing.has(message.seq);
    const seqDuplicate = (message.seq < stream.expected && !late) || stream.held.has(message.seq);
    const duplicate = duplicateId || seqDuplicate;
    if (duplicateId && !seqDuplicate) {
      // Shown before under another seq (its sender restarted and sent it again: apps/client/src/history/retry.ts):
      // taken in order, not shown again, so that the ack covers it.
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
        const held: Held = { seq: message.seq, message, at: time, slot: -1 };
        stream.held.set(message.seq, held);
        stream.heldRuns.add(message.seq);
        stream.byArrival.push(held);
      }
    }
    return { deliver, ack: ackFor(stream), duplicate };
  }

  /** Releases messages held longer than `holdMs` (skipping the gap before them), in order. */
  expire(time: number): ChatMessage[] {
    const released: ChatMessage[] = [];
    for (const stream of this.streams.values()) {
      if (stream.held.size === 0) continue;
      const oldest = stream.byArrival.peek();
      if (oldest === undefined || time - oldest.at < this.holdMs) continue;
      const first = stream.heldRuns.first() as number;
      stream.missing.addRange(stream.expected, first - 1);
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
      this.release(stream, released);
      this.streams.delete(id);
    }
    return released;
  }

  /** Everything `stream` holds, in seq order, into `out`. */
  private release(stream: Stream, out: ChatMessage[]): void {
    const runs = stream.heldRuns;
    for (let i = 0; i < runs.runCount; i++) {
      for (let seq = runs.low(i); seq <= runs.high(i); seq++) out.push((stream.held.get(seq) as Held).message);
    }
  }

  /** Sender `from` is now called `to` (a rename at the relay): its conversations continue under the new name. */
  renameSender(from: string, to: string): void {
    if (nameKey(from) === nameKey(to)) return;
    for (const group of [false, true]) {
      const oldKey = streamKey(from, group);
      const stream = this.streams.get(oldKey);
      if (!stream || this.streams.has(streamKey(to, group))) continue;
      this.streams.delete(oldKey);
      stream.sender = to;
      this.streams.set(streamKey(to, group), stream);
      this.epochs.rename(oldKey, streamKey(to, group));
    }
  }

  private stream(message: ChatMessage): Stream {
    const group = nameKey(message.to) === GROUP_ALL;
    const key = streamKey(message.from, group);
    let stream = this.streams.get(key);
    if (!stream) {
      // A conversation seen for the first time starts at the sender's base: nothing below it will come.
      stream = { sender: message.from, group, epoch: message.epoch, expected: Math.max(1, message.base || message.seq), held: new Map(), heldRuns: new RunSet(), byArrival: newArrivalHeap(), missing: new RunSet() };
      this.streams.set(key, stream);
    }
    return stream;
  }

  /** Moves `expected` up to `seq`, showing the held messages below it in order. */
  private skipTo(stream: Stream, seq: number, out: ChatMessage[]): void {
    const runs = stream.heldRuns;
    for (let i = 0; i < runs.runCount && runs.low(i) < seq; i++) {
      for (let s = runs.low(i), last = Math.min(runs.high(i), seq - 1); s <= last; s++) {
        out.push(unhold(stream, s));
      }
    }
    runs.deleteBelow(seq);
    stream.expected = Math.max(stream.expected, seq);
    this.drain(stream, out);
  }

  private drain(stream: Stream, out: ChatMessage[]): void {
    const start = stream.expected;
    while (stream.held.has(stream.expected)) {
      out.push(unhold(stream, stream.expected));
      stream.expected++;
    }
    if (stream.expected > start) stream.heldRuns.deleteBelow(stream.expected);
  }

  /** Remembers `id` (never one remembered already), forgetting the oldest beyond `idWindow`; O(1). */
  private remember(id: string): void {
    if (this.idWindow <= 0) return;
    if (this.idRing.length < this.idWindow) this.idRing.push(id);
    else {
      this.recentIds.delete(this.idRing[this.nextId] as string);
      this.idRing[this.nextId] = id;
    }
    this.nextId = (this.nextId + 1) % this.idWindow;
    this.recentIds.add(id);
  }
}

/** The key of a sender's direct (`group` false) or group conversation. */
function streamKey(sender: string, group: boolean): string {
  return `${nameKey(sender)}\u0000${group ? GROUP_ALL : ''}`;
}

/**
 * The cumulative ack for a conversation: everything below `expected` but the
 * missing seqs (never acknowledged: the sender must keep trying them), plus the
 * held runs, as `upTo` and at most MAX_ACK_RANGES ranges. O(ranges): both
 * sets are kept as sorted runs.
 */
function ackFor(stream: Stream): AckNeeded {
  const gaps = stream.missing;
  const upTo = (gaps.first() ?? stream.expected) - 1;
  const ranges: Array<[number, number]> = [];
  const most = MAX_ACK_RANGES;
  const add = (first: number, last: number): boolean => {
    const prev = ranges[ranges.length - 1];
    if (prev && first === prev[1] + 1) prev[1] = last;
    else if (ranges.length < most) ranges.push([first, last]);
    else return false;
    return true;
  };
  // Received between the gaps, up to expected - 1.
  for (let i = 0; i < gaps.runCount; i++) {
    const from = gaps.high(i) + 1;
    const to = (i + 1 < gaps.runCount ? gaps.low(i + 1) : stream.expected) - 1;
    if (from <= to && !add(from, to)) return { to: stream.sender, group: stream.group, epoch: stream.epoch, upTo, ranges };
  }
  const held = stream.heldRuns;
  for (let i = 0; i < held.runCount; i++) if (!add(held.low(i), held.high(i))) break;
  return { to: stream.sender, group: stream.group, epoch: stream.epoch, upTo, ranges };
}

/** Takes message `seq` out of `stream.held` (and its arrival heap; the caller updates the runs). */
function unhold(stream: Stream, seq: number): ChatMessage {
  const held = stream.held.get(seq) as Held;
  stream.held.delete(seq);
  stream.byArrival.remove(held);
  return held.message;
}
