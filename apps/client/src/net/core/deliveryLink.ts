/**
 * Reliable delivery wired to the wire, sans I/O: the outbox (numbering,
 * retransmission, RFC 6298 timers), the inbox (dedupe, order, hold-back),
 * pacing of chat datagrams below the relay's rate limit, and delayed
 * cumulative acks (one per conversation per tick).
 */
import { GROUP_ALL, nameKey, newMessageId, type AckMessage, type ChatMessage } from '@udpchat/protocol';
import { RateLimiter } from '@udpchat/net';
import { Inbox, type AckNeeded, type InboxOptions } from '../delivery/inbox.js';
import { Outbox, type OutboxOptions } from '../delivery/outbox.js';
import type { DeliveryState } from '../delivery/states.js';

/**
 * Pacing of chat datagrams (first sends and retransmissions), per second and
 * burst: below the relay's default rate limit per address (200/s, bursts of
 * 400; PROTOCOL.md §6.3), leaving room for acks and heartbeats, so that a
 * burst or a paste of many lines is paced here instead of dropped there.
 */
const CHAT_RATE_PER_S = 150;
const CHAT_BURST = 300;
/** Longest delay of an ack, in ms: acks gathered meanwhile go out as one per conversation (RFC 1122 §4.2.3.2 style). */
export const ACK_DELAY_MS = 50;

/** The id and time a message keeps when it is sent again as a new message (after a restart: same id, new seq). */
export interface KeptIdentity {
  /** Its message id. */
  id: string;
  /** When it was first written, ms since the epoch (the message's `time`). */
  time: number;
}

export class DeliveryLink {
  readonly outbox: Outbox;
  readonly inbox: Inbox;
  private readonly pacer = new RateLimiter(CHAT_RATE_PER_S, CHAT_BURST, 1);
  /** Acks waiting for the next flush, by conversation: the latest supersedes the earlier (acks are cumulative). */
  private readonly pendingAcks = new Map<string, AckNeeded>();
  /** When the oldest pending ack was gathered, in ms (null: none pending). */
  private ackSince: number | null = null;
  private readonly newId: () => string;

  /** @param onState called with every change of an own message's delivery state. */
  constructor(onState: (message: ChatMessage, state: DeliveryState) => void, options: OutboxOptions & InboxOptions = {}) {
    this.outbox = new Outbox(onState, options);
    this.inbox = new Inbox(options);
    this.newId = options.newId ?? newMessageId;
  }

  /** Sizes: pending messages, conversations, held messages, remembered ids. */
  get sizes(): { pending: number; outStreams: number; inStreams: number; held: number; ids: number } {
    const inbox = this.inbox.sizes;
    return { pending: this.outbox.size, outStreams: this.outbox.streamCount, inStreams: inbox.streams, held: inbox.held, ids: inbox.ids };
  }

  /**
   * Numbers and queues a new message from `from` to `to`.
   * @param expected for `all`: name keys of the clients that should ack it.
   * @param kept the id and time of a message sent before (history retried after a restart), else new ones.
   * @throws OutboxFullError when too many messages are pending.
   */
  create(from: string, to: string, text: string, expected: readonly string[], now: number, kept?: KeptIdentity): ChatMessage {
    return this.outbox.create({ kind: 'chat', id: kept?.id ?? this.newId(), from, to, time: kept?.time ?? now, text }, expected, now);
  }

  /** The chat datagrams due now (paced), each with `from` set to `name`. */
  due(name: string, now: number): ChatMessage[] {
    const paced = () => this.pacer.take('relay', now) === 'ok';
    return this.outbox.due(now, paced).map((message) => ({ ...message, from: name }));
  }

  /** An incoming chat: returns the messages to show now, in order; its ack waits for `flushAcks`. */
  receive(message: ChatMessage, now: number): ChatMessage[] {
    const { deliver, ack } = this.inbox.receive(message, now);
    if (ack) {
      this.pendingAcks.set(`${nameKey(ack.to)} ${ack.group ? GROUP_ALL : ''}`, ack);
      this.ackSince ??= now;
    }
    return deliver;
  }

  /** The acks gathered so far, one per conversation, as datagrams from `name` (and forgets them). */
  flushAcks(name: string): AckMessage[] {
    const acks = [...this.pendingAcks.values()].map((ack): AckMessage => ({ kind: 'ack', from: name, ...ack }));
    this.pendingAcks.clear();
    this.ackSince = null;
    return acks;
  }

  /** Whether acks are due now (the oldest waited ACK_DELAY_MS). */
  acksDue(now: number): boolean {
    return this.ackSince !== null && now - this.ackSince >= ACK_DELAY_MS;
  }

  /**
   * When something here may next be due, in ms: a pending ack's flush, or a
   * tick while messages are pending or held (their own timers are checked by polling).
   */
  nextDeadline(now: number): number {
    let next = this.ackSince === null ? Number.POSITIVE_INFINITY : this.ackSince + ACK_DELAY_MS;
    if (this.outbox.size > 0 || this.inbox.heldCount > 0) next = Math.min(next, now + ACK_DELAY_MS);
    return next;
  }
}
