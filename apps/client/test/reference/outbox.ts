/*
 * REFERENCE MODEL for deliveryModel.test.ts, not used by the client: the Outbox
 * as it was before its queues were made proportional to the work (commit
 * 562b00a), kept verbatim but for import paths, the group delivery rule
 * (checkDelivered: acks by name, not by count) and the conversation epoch
 * (each conversation has one; acks for another are ignored). Simple and slow on purpose
 * (scans and sorts everything on every call); its behaviour is the contract.
 */
/**
 * The sending half of reliable delivery: numbers each message per
 * conversation, retransmits it until it is acknowledged, and reports its
 * state. Timeouts follow RFC 6298 (rto.ts): a message is retransmitted when
 * its timer expires, with the timer doubled each time (capped at 2 s), and
 * given up after 30 s of trying while the relay is reachable. Acks are
 * cumulative per conversation plus selective ranges, so one lost ack is
 * repaired by the next. No I/O here: `due()` says what to send now.
 */
import { GROUP_ALL, nameKey, type AckMessage, type ChatMessage } from '@udpchat/protocol';
import { backoff, RtoEstimator } from '../../src/net/delivery/rto.js';
import type { DeliveryState } from '../../src/net/delivery/states.js';

/** Options of an `Outbox`. */
export interface OutboxOptions {
  /** Give up on a message after this long of trying, in ms (default 30,000). */
  giveUpMs?: number;
  /** Most messages not yet final, all conversations together (default 10,000). */
  maxPending?: number;
  /** Picks the epoch of a new conversation. */
  newEpoch?: () => number;
}

interface Pending {
  message: ChatMessage;
  stream: Stream;
  /** Times transmitted. */
  tries: number;
  /** First transmission, in ms (null: not sent yet). */
  firstSentAt: number | null;
  /** When to transmit next, in ms. */
  nextAt: number;
  /** Current timeout for this message, in ms. */
  rto: number;
  /** When to give up, in ms (moved on by pauses). */
  deadline: number;
  /** Clients the relay forwarded it to (null before its relay-ack). */
  recipients: number | null;
  /** Group: name keys of the clients expected to ack (the roster when it was sent). */
  expected: Set<string>;
  /** Name keys of the clients that acked it. */
  ackedBy: Set<string>;
}

interface Stream {
  key: string;
  epoch: number;
  nextSeq: number;
  pending: Map<number, Pending>;
}

/** Thrown by `create` when `maxPending` messages are not final yet. */
export class OutboxFullError extends Error {
  readonly code = 'QUEUE_FULL';
}

export class Outbox {
  private readonly streams = new Map<string, Stream>();
  private readonly byId = new Map<string, Pending>();
  private readonly relayRto = new RtoEstimator();
  private readonly deliveryRto = new RtoEstimator();
  private pausedAt: number | null;
  private readonly giveUpMs: number;
  private readonly maxPending: number;
  private readonly newEpoch: () => number;

  /**
   * @param onState called with every change of a message's delivery state.
   * @param paused start paused (nothing is sent until `resume`).
   */
  constructor(
    private readonly onState: (message: ChatMessage, state: DeliveryState) => void,
    options: OutboxOptions = {},
    paused = true,
  ) {
    this.giveUpMs = options.giveUpMs ?? 30_000;
    this.maxPending = options.maxPending ?? 10_000;
    this.newEpoch = options.newEpoch ?? (() => 1 + Math.floor(Math.random() * 0xffff_fffe));
    this.pausedAt = paused ? 0 : null;
  }

  /** Messages not final yet. */
  get size(): number {
    return this.byId.size;
  }

  /** Conversations with state (each holds only its counter and its pending messages). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** RFC 6298 estimators: hop 1 (send -> relay-ack) and end to end (send -> ack). */
  get rto(): { relayMs: number; deliveryMs: number } {
    return { relayMs: this.relayRto.current, deliveryMs: this.deliveryRto.current };
  }

  /**
   * Numbers a new message for `to` (a name or `all`) and queues it; `due()` sends it.
   * @param expected for `all`: the name keys of the clients online now (who should ack).
   * @throws OutboxFullError when `maxPending` messages are pending.
   */
  create(message: Omit<ChatMessage, 'epoch' | 'seq' | 'base'>, expected: readonly string[], now: number): ChatMessage {
    if (this.byId.size >= this.maxPending) throw new OutboxFullError(`${this.maxPending} messages are still on their way`);
    const group = nameKey(message.to) === GROUP_ALL;
    const key = group ? GROUP_ALL : `@${nameKey(message.to)}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { key, epoch: this.newEpoch(), nextSeq: 1, pending: new Map() };
      this.streams.set(key, stream);
    }
    const seq = stream.nextSeq++;
    const full: ChatMessage = { ...message, epoch: stream.epoch, seq, base: seq };
    const pending: Pending = {
      message: full,
      stream,
      tries: 0,
      firstSentAt: null,
      nextAt: now,
      rto: this.relayRto.current,
      deadline: Number.POSITIVE_INFINITY,
      recipients: null,
      expected: new Set(group ? expected : [nameKey(message.to)]),
      ackedBy: new Set(),
    };
    stream.pending.set(seq, pending);
    this.byId.set(full.id, pending);
    this.onState(full, { state: 'queued' });
    return full;
  }

  /**
   * The messages to transmit now (first sends and retransmissions), oldest
   * first, each with its conversation's current `base`; gives up on those past
   * their deadline.
   * @param mayTake asked before each message is taken (retransmissions oldest first, then
   *   first sends in order); once it
   *   says false the rest stay due for a later call (pacing, see session.ts).
   */
  due(now: number, mayTake: () => boolean = () => true): ChatMessage[] {
    if (this.pausedAt !== null) return [];
    const ready: Pending[] = [];
    for (const p of [...this.byId.values()]) {
      if (now >= p.deadline) {
        this.finish(p, { state: 'failed', reason: `no answer for ${Math.round(this.giveUpMs / 1000)} s` });
        continue;
      }
      if (now >= p.nextAt) ready.push(p);
    }
    // Under pacing, retransmissions first, oldest first (in a conversation: lowest seq first):
    // they fill the gaps that hold the receiver's later messages back; then first sends, in
    // the order written. A stable sort: insertion order (= seq order per conversation) otherwise.
    ready.sort((a, b) => (a.tries === 0 ? 1 : 0) - (b.tries === 0 ? 1 : 0));
    const out: ChatMessage[] = [];
    for (const p of ready) {
      if (!mayTake()) break; // paced: the rest stay due for a later call
      if (p.tries === 0) {
        p.firstSentAt = now;
        p.deadline = now + this.giveUpMs;
        this.onState(p.message, { state: 'sending' });
      } else {
        p.rto = backoff(p.rto);
      }
      p.tries++;
      p.nextAt = now + p.rto;
      p.message.base = this.baseOf(p.stream);
      out.push(p.message);
    }
    return out;
  }

  /**
   * The relay has message `id` and forwarded it to `recipients` clients.
   * `regrouping`: the relay was just restarted and the others are still
   * re-registering, so a group message that reached fewer clients than were
   * online when it was written is tried again (on their join) instead of
   * counting as done.
   */
  onRelayAck(id: string, recipients: number, now: number, regrouping = false): void {
    const p = this.byId.get(id);
    if (!p) return;
    if (p.tries === 1 && p.firstSentAt !== null && p.recipients === null) this.relayRto.sample(now - p.firstSentAt);
    if (regrouping && recipients < p.expected.size) {
      p.nextAt = Math.max(p.nextAt, now + 1000);
      return;
    }
    const first = p.recipients === null;
    p.recipients = recipients;
    if (recipients === 0) return this.finish(p, { state: 'at-relay', recipients: 0, acked: 0, final: true });
    if (this.checkDelivered(p)) return;
    if (first) {
      this.onState(p.message, { state: 'at-relay', recipients, acked: p.ackedBy.size, final: false });
      // From here on the wait is for the recipients' acks: the end-to-end timer.
      p.rto = Math.max(p.rto, this.deliveryRto.current);
      p.nextAt = Math.max(p.nextAt, (p.firstSentAt ?? now) + p.rto);
    }
  }

  /** An ack from `ack.from` (set by the relay) for this client's conversation with it, or for `all`. */
  onAck(ack: AckMessage, now: number): void {
    const stream = this.streams.get(ack.group ? GROUP_ALL : `@${nameKey(ack.from)}`);
    if (!stream || ack.epoch !== stream.epoch) return;
    const acker = nameKey(ack.from);
    const covered = (seq: number) => seq <= ack.upTo || ack.ranges.some(([a, b]) => seq >= a && seq <= b);
    for (const [seq, p] of [...stream.pending]) {
      if (!covered(seq) || p.ackedBy.has(acker)) continue;
      p.ackedBy.add(acker);
      if (p.tries === 1 && p.firstSentAt !== null && !ack.group) this.deliveryRto.sample(now - p.firstSentAt);
      if (!this.checkDelivered(p) && p.recipients !== null) {
        // Partly delivered (a group): k of N so far, the rest awaited.
        this.onState(p.message, { state: 'at-relay', recipients: p.recipients, acked: p.ackedBy.size, final: false });
      }
    }
  }

  /**
   * Tries message `id` again only after `ms` (no backoff, no failure): for a
   * recipient expected back soon, e.g. not re-registered yet after a relay restart.
   */
  defer(id: string, ms: number, now: number): void {
    const p = this.byId.get(id);
    if (p) p.nextAt = Math.max(p.nextAt, now + ms);
  }

  /** Contact `name` (re)joined: direct messages and group messages waiting for it are sent now. */
  kick(name: string, now: number): void {
    const key = nameKey(name);
    const direct = this.streams.get(`@${key}`);
    if (direct) for (const p of direct.pending.values()) p.nextAt = now;
    const group = this.streams.get(GROUP_ALL);
    if (group) for (const p of group.pending.values()) if (p.expected.has(key) && !p.ackedBy.has(key)) p.nextAt = now;
  }

  /** The relay refused message `id` (e.g. UNKNOWN_CONTACT): it fails at once with `reason`. */
  fail(id: string, reason: string): void {
    const p = this.byId.get(id);
    if (p) this.finish(p, { state: 'failed', reason });
  }

  /**
   * Contact `name` went offline: direct messages to it fail now ("bob is
   * offline"); group messages stop waiting for its ack.
   */
  onLeave(name: string): void {
    const key = nameKey(name);
    const direct = this.streams.get(`@${key}`);
    if (direct) {
      for (const p of [...direct.pending.values()]) this.finish(p, { state: 'failed', reason: `${name} is offline` });
      this.streams.delete(direct.key);
    }
    const group = this.streams.get(GROUP_ALL);
    if (!group) return;
    for (const p of [...group.pending.values()]) {
      // One who acked and left no longer counts either: a relay restarted since counts only those
      // online now, so its ack must not stand in for theirs (found by apps/sim, seed 794).
      const expected = p.expected.delete(key);
      if (!p.ackedBy.delete(key) && !expected) continue;
      if (p.recipients !== null) p.recipients = Math.max(0, p.recipients - 1);
      // Nobody left to wait for; else those still expected are (the relay may not have counted the leaver: apps/sim seed 2749).
      if (p.recipients === 0 && p.expected.size === 0) this.finish(p, { state: 'at-relay', recipients: 0, acked: 0, final: true });
      else this.checkDelivered(p);
    }
  }

  /** The relay is unreachable or this client is not registered: hold everything, stop the give-up clocks. */
  pause(now: number): void {
    this.pausedAt ??= now;
  }

  /** The relay is back: everything not final is sent again at once, give-up clocks resume. */
  resume(now: number): void {
    if (this.pausedAt === null) return;
    const paused = this.pausedAt === 0 ? 0 : now - this.pausedAt;
    this.pausedAt = null;
    for (const p of this.byId.values()) {
      p.deadline += paused;
      p.nextAt = now;
    }
  }

  /** The lowest seq still pending in `stream` (its nextSeq when none is). */
  private baseOf(stream: Stream): number {
    let base = stream.nextSeq;
    for (const seq of stream.pending.keys()) if (seq < base) base = seq;
    return base;
  }

  /**
   * Finishes a message once as many clients acked it as the relay forwarded it
   * to (its relay-ack says how many; a direct message: its one recipient) and
   * every expected recipient is among them.
   * A group message never finishes on acks alone: without the relay's count a
   * recipient this client has not heard of (a lost join) would be skipped, and
   * `base` would then move past a message it never got.
   */
  private checkDelivered(p: Pending): boolean {
    const direct = p.stream.key !== GROUP_ALL;
    const target = direct ? 1 : p.recipients;
    if (target === null || p.ackedBy.size === 0 || p.ackedBy.size < target) return false;
    // Changed since 562b00a (the group rule of PROTOCOL.md §5): every recipient still expected
    // must have acked it by name; acks of others never stand in for one.
    for (const key of p.expected) if (!p.ackedBy.has(key)) return false;
    this.finish(p, { state: 'delivered', delivered: p.ackedBy.size, of: p.ackedBy.size });
    return true;
  }

  private finish(p: Pending, state: DeliveryState): void {
    p.stream.pending.delete(p.message.seq);
    this.byId.delete(p.message.id);
    this.onState(p.message, state);
  }
}
