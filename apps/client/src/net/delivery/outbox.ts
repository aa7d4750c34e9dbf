/**
 * The sending half of reliable delivery: numbers each message per
 * conversation, retransmits it until it is acknowledged, and reports its
 * state. Timeouts follow RFC 6298 (rto.ts): a message is retransmitted when
 * its timer expires, with the timer doubled each time (capped at 2 s), and
 * given up after 30 s of trying while the relay is reachable. Acks are
 * cumulative per conversation plus selective ranges, so one lost ack is
 * repaired by the next. No I/O here: `due()` says what to send now.
 *
 * The work is proportional to what happens, not to what is pending: per
 * conversation the pending messages are indexed by seq (an ack walks only the
 * seqs it covers, `base` is the lowest one at hand), and the timers are heaps.
 */
import { GROUP_ALL, nameKey, type AckMessage, type ChatMessage } from '@udpchat/protocol';
import { IndexedHeap } from './heap.js';
import { backoff, RtoEstimator } from './rto.js';
import { SeqIndex } from './seqIndex.js';
import type { DeliveryState } from './states.js';
import { coveredRuns, inSeqOrder } from './ackRuns.js';
import { dropRecipient, isDelivered, recordAck, renameRecipient } from './recipients.js';
import { moveKey, OutboxFullError, queueSlot, randomEpoch, sendsBefore, setQueueSlot, type OutboxOptions, type Pending, type Stream, type Writable } from './pending.js';

export { OutboxFullError, type OutboxOptions } from './pending.js';

export class Outbox {
  private readonly streams = new Map<string, Stream>();
  private readonly byId = new Map<string, Pending>();
  private readonly relayRto = new RtoEstimator();
  private readonly deliveryRto = new RtoEstimator();
  /** Messages waiting for their timer, soonest nextAt first. */
  private readonly timers = new IndexedHeap<Pending>((a, b) => a.nextAt < b.nextAt, queueSlot, setQueueSlot);
  /**
   * Messages whose nextAt had passed at the last `due` and not taken yet (pacing):
   * retransmissions before first sends, each in creation order.
   */
  private readonly ready = new IndexedHeap<Pending>(sendsBefore, queueSlot, setQueueSlot);
  /** Sent messages, soonest give-up deadline first. */
  private readonly deadlines = new IndexedHeap<Pending>((a, b) => a.deadline < b.deadline, (p) => p.deadlineSlot, (p, i) => (p.deadlineSlot = i));
  private nextOrder = 0;
  /** `now` of the last `due`: ready messages are those whose nextAt had passed then. */
  private lastDue = Number.NEGATIVE_INFINITY;
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
    this.newEpoch = options.newEpoch ?? randomEpoch;
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
   * A new conversation gets a new epoch (the old one's acks no longer count).
   * @param expected for `all`: the name keys of the clients online now (who should ack).
   * @throws OutboxFullError when `maxPending` messages are pending.
   */
  create(message: Omit<ChatMessage, 'epoch' | 'seq' | 'base'>, expected: readonly string[], now: number): ChatMessage {
    if (this.byId.size >= this.maxPending) throw new OutboxFullError(`${this.maxPending} messages are still on their way`);
    const toKey = nameKey(message.to);
    const group = toKey === GROUP_ALL;
    const key = group ? GROUP_ALL : `@${toKey}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { key, epoch: this.newEpoch(), nextSeq: 1, pending: new SeqIndex(), ackedUpTo: new Map() };
      this.streams.set(key, stream);
    }
    const seq = stream.nextSeq++;
    const awaited = new Set(group ? expected : [toKey]);
    // Object.assign, not a spread: `{ ...message, seq, base }` costs ~3 µs on Node 20 (the same object, key order included).
    const full: ChatMessage = Object.assign({}, message, { epoch: stream.epoch, seq, base: seq });
    const pending: Pending = {
      message: full,
      stream,
      order: this.nextOrder++,
      tries: 0,
      firstSentAt: null,
      nextAt: now,
      rto: this.relayRto.current,
      deadline: Number.POSITIVE_INFINITY,
      recipients: null,
      expected: awaited,
      ackedBy: new Set(),
      unacked: awaited.size,
      queueSlot: -1,
      deadlineSlot: -1,
    };
    stream.pending.append(seq, pending);
    this.byId.set(full.id, pending);
    this.schedule(pending, now);
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
   * Costs O((messages taken, given up or come due) · log n), not O(pending): the
   * timers, the due messages and the deadlines are heaps. `now` is a clock; if it goes
   * back, the due messages are sorted out again (O(n)).
   */
  due(now: number, mayTake: () => boolean = () => true): ChatMessage[] {
    if (this.pausedAt !== null) return [];
    // The clock went back: what was ready may not be any more; sort everything out again.
    if (now < this.lastDue) for (const p of this.ready.clear()) this.timers.push(p);
    this.lastDue = now;
    const expired: Pending[] = [];
    for (let p = this.deadlines.peek(); p && now >= p.deadline; p = this.deadlines.peek()) {
      this.deadlines.pop();
      expired.push(p);
    }
    expired.sort((a, b) => a.order - b.order); // as written
    for (const p of expired) this.finish(p, { state: 'failed', reason: `no answer for ${Math.round(this.giveUpMs / 1000)} s` });
    for (let p = this.timers.peek(); p && now >= p.nextAt; p = this.timers.peek()) {
      this.timers.pop();
      this.ready.push(p);
    }
    const out: ChatMessage[] = [];
    for (let p = this.ready.peek(); p; p = this.ready.peek()) {
      if (!mayTake()) break; // paced: the rest stay due for a later call
      this.ready.pop();
      if (p.tries === 0) {
        p.firstSentAt = now;
        p.deadline = now + this.giveUpMs;
        this.deadlines.push(p);
        this.onState(p.message, { state: 'sending' });
      } else {
        p.rto = backoff(p.rto);
      }
      p.tries++;
      this.schedule(p, now + p.rto);
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
      this.schedule(p, Math.max(p.nextAt, now + 1000));
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
      this.schedule(p, Math.max(p.nextAt, (p.firstSentAt ?? now) + p.rto));
    }
  }

  /**
   * An ack from `ack.from` (set by the relay) for this client's conversation with it, or for `all`;
   * ignored when it acknowledges another epoch (a conversation this client no longer has).
   * Costs O(log n + messages it newly acknowledges + ranges): only the pending
   * seqs it covers are visited, in seq order, from where this acker's last cumulative ack ended.
   */
  onAck(ack: AckMessage, now: number): void {
    const acker = nameKey(ack.from);
    const stream = this.streams.get(ack.group ? GROUP_ALL : `@${acker}`);
    if (!stream || ack.epoch !== stream.epoch) return;
    const last = stream.nextSeq - 1;
    const done = stream.ackedUpTo.get(acker) ?? 0; // seqs up to here: acked by acker or final
    const visit = (p: Pending) => {
      if (!recordAck(p, acker)) return;
      if (p.tries === 1 && p.firstSentAt !== null && !ack.group) this.deliveryRto.sample(now - p.firstSentAt);
      if (!this.checkDelivered(p) && p.recipients !== null) {
        // Partly delivered (a group): k of N so far, the rest awaited.
        this.onState(p.message, { state: 'at-relay', recipients: p.recipients, acked: p.ackedBy.size, final: false });
      }
    };
    const walk = (from: number, to: number) => stream.pending.forEachIn(Math.max(from, done + 1), Math.min(to, last), visit);
    if (inSeqOrder(ack)) {
      // The usual shape (an Inbox's ack): ranges ascending, above upTo, apart.
      walk(1, ack.upTo);
      for (const [from, to] of ack.ranges) walk(from, to);
    } else {
      for (const [from, to] of coveredRuns(ack)) walk(from, to);
    }
    const upTo = Math.min(ack.upTo, last);
    if (upTo > done && this.streams.get(stream.key) === stream) stream.ackedUpTo.set(acker, upTo);
  }

  /**
   * Tries message `id` again only after `ms` (no backoff, no failure): for a
   * recipient expected back soon, e.g. not re-registered yet after a relay restart.
   */
  defer(id: string, ms: number, now: number): void {
    const p = this.byId.get(id);
    if (p) this.schedule(p, Math.max(p.nextAt, now + ms));
  }

  /** Contact `name` (re)joined: direct messages and group messages waiting for it are sent now. */
  kick(name: string, now: number): void {
    const key = nameKey(name);
    const direct = this.streams.get(`@${key}`);
    if (direct) for (const p of direct.pending.toArray()) this.schedule(p, now);
    const group = this.streams.get(GROUP_ALL);
    if (group) for (const p of group.pending.toArray()) if (p.expected.has(key) && !p.ackedBy.has(key)) this.schedule(p, now);
  }

  /**
   * Contact `from` is now called `to` (a rename at the relay): its direct
   * conversation and its place in group messages' expected acks follow it.
   */
  renameContact(from: string, to: string): void {
    const oldKey = nameKey(from);
    const newKey = nameKey(to);
    if (oldKey === newKey) return;
    const direct = this.streams.get(`@${oldKey}`);
    if (direct && !this.streams.has(`@${newKey}`)) {
      this.streams.delete(direct.key);
      direct.key = `@${newKey}`;
      this.streams.set(direct.key, direct);
      moveKey(direct.ackedUpTo, oldKey, newKey);
      for (const p of direct.pending.toArray()) {
        p.message.to = to;
        renameRecipient(p, oldKey, newKey);
      }
    }
    const group = this.streams.get(GROUP_ALL);
    if (!group) return;
    for (const p of group.pending.toArray()) renameRecipient(p, oldKey, newKey);
    moveKey(group.ackedUpTo, oldKey, newKey);
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
      for (const p of direct.pending.toArray()) this.finish(p, { state: 'failed', reason: `${name} is offline` });
      this.streams.delete(direct.key);
    }
    const group = this.streams.get(GROUP_ALL);
    if (!group) return;
    group.ackedUpTo.delete(key);
    for (const p of group.pending.toArray()) {
      // One who acked and left no longer counts either: a relay restarted since counts only those
      // online now, so its ack must not stand in for theirs (found by apps/sim, seed 794).
      if (!dropRecipient(p, key)) continue;
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
    // Every deadline moves by the same amount: their heap stays in order.
    for (const p of this.byId.values()) {
      p.deadline += paused;
      this.schedule(p, now);
    }
  }

  /** The lowest seq still pending in `stream` (its nextSeq when none is); O(1) amortised. */
  private baseOf(stream: Stream): number {
    return stream.pending.first()?.message.seq ?? stream.nextSeq;
  }

  /** Sets when `p` is transmitted next (ms): out of the ready messages, onto the timer queue in its place. */
  private schedule(p: Pending, at: number): void {
    (p as Writable<Pending>).nextAt = at;
    this.ready.remove(p);
    this.timers.update(p);
  }

  /**
   * Finishes a message once it is delivered (recipients.ts: every expected
   * recipient acked it by name and, for a group message, at least as many
   * clients as its relay-ack counted), as "delivered k of k".
   */
  private checkDelivered(p: Pending): boolean {
    if (!isDelivered(p, p.stream.key === GROUP_ALL)) return false;
    this.finish(p, { state: 'delivered', delivered: p.ackedBy.size, of: p.ackedBy.size });
    return true;
  }

  private finish(p: Pending, state: DeliveryState): void {
    p.stream.pending.delete(p.message.seq);
    this.byId.delete(p.message.id);
    this.timers.remove(p);
    this.ready.remove(p);
    this.deadlines.remove(p);
    this.onState(p.message, state);
  }
}

