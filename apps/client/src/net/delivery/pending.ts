/** The outbox's records: a pending message, a conversation, and the order in which due messages are sent. */
import type { ChatMessage } from '@udpchat/protocol';
import type { SeqIndex } from './seqIndex.js';

/** Options of an `Outbox`. */
export interface OutboxOptions {
  /** Give up on a message after this long of trying, in ms (default 30,000). */
  giveUpMs?: number;
  /** Most messages not yet final, all conversations together (default 10,000). */
  maxPending?: number;
  /** Picks the epoch of a new conversation: a nonzero u32 (default `randomEpoch`; tests give fixed ones). */
  newEpoch?: () => number;
  /** Makes the id of a new message (default `newMessageId`, a nanoid; the simulation draws them from its seed). */
  newId?: () => string;
}

/**
 * A random conversation epoch (PROTOCOL.md §4.6): a nonzero u32 from the
 * platform's CSPRNG, so that two lives of a sender (or two conversations
 * one after the other) differ but with probability 2^-32.
 */
export function randomEpoch(): number {
  const word = new Uint32Array(1);
  do crypto.getRandomValues(word);
  while (word[0] === 0);
  return word[0] as number;
}

export interface Pending {
  message: ChatMessage;
  stream: Stream;
  /** Creation order over all conversations: the order of sending. */
  order: number;
  /** Times transmitted. */
  tries: number;
  /** First transmission, in ms (null: not sent yet). */
  firstSentAt: number | null;
  /** When to transmit next, in ms. Read-only: change it with `Outbox.schedule` (it keeps the timer queue in order). */
  readonly nextAt: number;
  /** Current timeout for this message, in ms. */
  rto: number;
  /** When to give up, in ms (moved on by pauses). */
  deadline: number;
  /** Clients the relay forwarded it to (null before its relay-ack). */
  recipients: number | null;
  /**
   * Name keys of the clients it waits for: its recipient (direct), or the
   * clients online when it was written, less those seen leaving since (group).
   */
  expected: Set<string>;
  /** Name keys of the clients that acked it (expected or not; see recipients.ts). */
  ackedBy: Set<string>;
  /** How many of `expected` have not acked it yet. */
  unacked: number;
  /** Slot in `Outbox.timers` or `Outbox.ready` (it is in one of them until final), and in `Outbox.deadlines` (-1: none). */
  queueSlot: number;
  deadlineSlot: number;
}

export interface Stream {
  key: string;
  /** This conversation's identity on the wire (chat.epoch; acks for another are not ours). */
  epoch: number;
  nextSeq: number;
  /** Messages not final yet, by seq. */
  pending: SeqIndex<Pending>;
  /**
   * Per acker (name key): the highest cumulative `upTo` taken from its acks
   * (at most nextSeq - 1 then): every seq up to it has been acked by it or is
   * final, so its next acks are walked from there.
   */
  ackedUpTo: Map<string, number>;
}

/** Thrown by `create` when `maxPending` messages are not final yet. */
export class OutboxFullError extends Error {
  readonly code = 'QUEUE_FULL';
}

/**
 * The order of sending among due messages. Under pacing, retransmissions first,
 * oldest first (in a conversation: lowest seq first): they fill the gaps that
 * hold the receiver's later messages back; then first sends, in the order written.
 */
export const sendsBefore = (a: Pending, b: Pending): boolean => (a.tries === 0) !== (b.tries === 0) ? a.tries !== 0 : a.order < b.order;
export const queueSlot = (p: Pending): number => p.queueSlot;
export const setQueueSlot = (p: Pending, slot: number): void => {
  p.queueSlot = slot;
};

/** `T` with its read-only fields writable (for the one place that may change them). */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };


/** Moves `map`'s entry from key `from` to key `to` (a renamed contact), unless `to` has one already. */
export function moveKey<V>(map: Map<string, V>, from: string, to: string): void {
  const value = map.get(from);
  if (value === undefined || map.has(to)) return;
  map.delete(from);
  map.set(to, value);
}
