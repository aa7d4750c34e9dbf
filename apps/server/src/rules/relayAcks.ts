/**
 * Relay-acks that the end-to-end ack makes redundant are not sent
 * (PROTOCOL.md §4.11, §5). A numbered (`seq` ≠ 0) direct chat to a protocol
 * client gets its `relay-ack` only when the recipient's `ack` covering it has
 * not passed back through the relay within RELAY_ACK_DELAY_MS (80 ms) of
 * forwarding it; then the relay-ack goes out (late by that delay). Group
 * chats, chats to plain peers and unnumbered chats are answered at once, as
 * before: a group's relay-ack says how many acks to wait for, and the others
 * get no ack. The sender of a direct chat needs no count (it is 1), so for
 * it the ack says everything the relay-ack would have.
 *
 * Held relay-acks are a FIFO ring of bounded size (the delay is the same for
 * all, so the oldest is always due first), with the chat's id copied into a
 * slab: nothing is allocated per chat. The ring starts small and doubles when
 * full, up to its capacity (a relay that holds few pays for few: a relay
 * core starts with a ring of RELAY_ACK_INITIAL_SLOTS, not RELAY_ACK_RING_SIZE). Per conversation (chat sender →
 * recipient) the latest ack seen is kept — its time, conversation `epoch`,
 * `upTo` and ranges — and a held relay-ack is dropped at its deadline when an
 * ack of the chat's epoch that arrived after the chat was forwarded covers
 * its seq. Seqs of two epochs are unrelated (a restarted sender numbers from
 * 1 again, §5): an ack of another epoch replaces the one kept (it is newer
 * by arrival, whatever its `upTo`) and covers no chat of another epoch, so
 * the worst a late ack of an old epoch can do is let a relay-ack go out. A full ring sends its oldest
 * relay-ack at once (the behaviour before). A sender that moved or left in
 * the meantime gets nothing (its registration is another one now).
 */
import { MAX_ACK_RANGES, MAX_ID_BYTES, RELAY_ACK_DELAY_MS, u32At } from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';

/** The latest ack of one conversation, as it passed through the relay. */
interface AckSeen {
  /** When it passed, ms of the relay's clock. */
  at: number;
  /** The conversation epoch it acknowledges (chat and ack carry it, PROTOCOL.md §5). */
  epoch: number;
  upTo: number;
  rangeCount: number;
  /** first, last, first, last… (rangeCount pairs). */
  readonly ranges: Uint32Array;
}

/** How a due relay-ack is sent: to `sender` (as registered when its chat came), for the chat `id`, 1 recipient. */
export type RelayAckSend = (sender: Contact, id: string) => void;

/** Default most relay-acks held at once. */
export const RELAY_ACK_RING_SIZE = 8192;
/** Slots of a new ring (fewer when the capacity is smaller); it doubles when full, up to its capacity. */
const RELAY_ACK_INITIAL_SLOTS = 64;

const latin1 = new TextDecoder('latin1');
const encoder = new TextEncoder();

export class RelayAckScheduler {
  /** Slots of the ring now (at most `capacity`). */
  private slots = 0;
  private senders: Array<Contact | undefined> = [];
  private recipients: Array<Contact | undefined> = [];
  private epochs = new Uint32Array(0);
  private seqs = new Uint32Array(0);
  private forwardedAt = new Float64Array(0);
  private idLengths = new Uint8Array(0);
  private ids = new Uint8Array(0);
  private head = 0;
  private count = 0;
  /** chat sender → (recipient's endpoint key → its latest ack). */
  private readonly acks = new WeakMap<Contact, Map<string, AckSeen>>();

  /**
   * @param delayMs how long a relay-ack is held (RELAY_ACK_DELAY_MS).
   * @param capacity most held at once (RELAY_ACK_RING_SIZE).
   */
  constructor(
    readonly delayMs: number = RELAY_ACK_DELAY_MS,
    readonly capacity: number = RELAY_ACK_RING_SIZE,
  ) {
    this.resize(Math.min(capacity, RELAY_ACK_INITIAL_SLOTS));
  }

  /** Relay-acks held now. */
  get size(): number {
    return this.count;
  }

  /** When the oldest held relay-ack is due, ms of the relay's clock (+Infinity when none). */
  nextDeadline(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : (this.forwardedAt[this.head] as number) + this.delayMs;
  }

  /**
   * Holds the relay-ack of the direct chat `seq` (≠ 0) of conversation
   * `epoch` from `sender` to the protocol client `recipient`, forwarded at
   * `now`; its id is `id[start, end)`
   * (1–64 bytes of the id alphabet, as the scanner found it).
   * @param send used at once for the oldest when the ring is full.
   */
  hold(sender: Contact, recipient: Contact, epoch: number, seq: number, id: Uint8Array, start: number, end: number, now: number, send: RelayAckSend): void {
    if (this.count === this.slots) {
      if (this.slots < this.capacity) this.resize(Math.min(this.capacity, 2 * this.slots));
      else this.release(send);
    }
    const slot = (this.head + this.count) % this.slots;
    this.count++;
    this.senders[slot] = sender;
    this.recipients[slot] = recipient;
    this.epochs[slot] = epoch;
    this.seqs[slot] = seq;
    this.forwardedAt[slot] = now;
    this.idLengths[slot] = end - start;
    this.ids.set(id.subarray(start, end), slot * MAX_ID_BYTES);
  }

  /** `hold` for an id as a string (the slow path). */
  holdId(sender: Contact, recipient: Contact, epoch: number, seq: number, id: string, now: number, send: RelayAckSend): void {
    const bytes = encoder.encode(id);
    this.hold(sender, recipient, epoch, seq, bytes, 0, bytes.length, now, send);
  }

  /**
   * An `ack` from `acker` for its direct conversation with `chatSender` passed
   * through the relay at `now`, as the scanner found it: its conversation
   * `epoch`, `upTo`, and its `ranges` field at `bytes[rangesAt]` (count byte,
   * then first/last u32 pairs).
   */
  ackPassed(chatSender: Contact, acker: Contact, epoch: number, upTo: number, bytes: Uint8Array, rangesAt: number, now: number): void {
    const seen = this.latest(chatSender, acker, epoch, upTo, now);
    if (seen === undefined) return;
    const n = Math.min(bytes[rangesAt] as number, MAX_ACK_RANGES);
    seen.rangeCount = n;
    for (let i = 0; i < 2 * n; i++) seen.ranges[i] = u32At(bytes, rangesAt + 1 + 4 * i);
  }

  /** `ackPassed` for a decoded ack (the slow path). */
  ackPassedRanges(chatSender: Contact, acker: Contact, epoch: number, upTo: number, ranges: ReadonlyArray<readonly [number, number]>, now: number): void {
    const seen = this.latest(chatSender, acker, epoch, upTo, now);
    if (seen === undefined) return;
    const n = Math.min(ranges.length, MAX_ACK_RANGES);
    seen.rangeCount = n;
    for (let i = 0; i < n; i++) {
      const [first, last] = ranges[i] as readonly [number, number];
      seen.ranges[2 * i] = first;
      seen.ranges[2 * i + 1] = last;
    }
  }

  /**
   * The record of the conversation's latest ack, updated to `upTo` at `now`,
   * for the caller to fill in the ranges; undefined when this ack is older
   * than the one kept (same epoch, a lower `upTo`: a late, reordered ack does
   * not undo what a newer one said). An ack of another epoch replaces it.
   */
  private latest(chatSender: Contact, acker: Contact, epoch: number, upTo: number, now: number): AckSeen | undefined {
    let byAcker = this.acks.get(chatSender);
    if (byAcker === undefined) {
      byAcker = new Map();
      this.acks.set(chatSender, byAcker);
    }
    let seen = byAcker.get(acker.endpointKey);
    if (seen === undefined) {
      seen = { at: now, epoch, upTo, rangeCount: 0, ranges: new Uint32Array(2 * MAX_ACK_RANGES) };
      byAcker.set(acker.endpointKey, seen);
    } else if (epoch === seen.epoch && upTo < seen.upTo) {
      return undefined;
    }
    seen.at = now;
    seen.epoch = epoch;
    seen.upTo = upTo;
    return seen;
  }

  /** Forgets what was seen of `contact`'s conversations (it left). */
  forget(contact: Contact): void {
    this.acks.delete(contact);
  }

  /**
   * Sends (through `send`) every held relay-ack due at `now` whose chat no
   * later ack covered; drops the covered ones.
   */
  flush(now: number, send: RelayAckSend): void {
    while (this.count > 0 && (this.forwardedAt[this.head] as number) + this.delayMs <= now) this.release(send);
  }

  /** Forgets every held relay-ack (the relay stops). */
  clear(): void {
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.slots;
      this.senders[slot] = undefined;
      this.recipients[slot] = undefined;
    }
    this.head = 0;
    this.count = 0;
  }

  /** Takes the oldest held relay-ack (due, or pushed out of a full ring): sends it unless an ack covered its chat. */
  private release(send: RelayAckSend): void {
    const slot = this.head;
    const sender = this.senders[slot] as Contact;
    const recipient = this.recipients[slot] as Contact;
    this.senders[slot] = undefined;
    this.recipients[slot] = undefined;
    this.head = (this.head + 1) % this.slots;
    this.count--;
    if (this.covered(sender, recipient, this.epochs[slot] as number, this.seqs[slot] as number, this.forwardedAt[slot] as number)) return;
    const at = slot * MAX_ID_BYTES;
    send(sender, latin1.decode(this.ids.subarray(at, at + (this.idLengths[slot] as number))));
  }

  /** Moves the ring into `slots` slots (at least `count`), the oldest first at slot 0. */
  private resize(slots: number): void {
    const senders = new Array<Contact | undefined>(slots);
    const recipients = new Array<Contact | undefined>(slots);
    const epochs = new Uint32Array(slots);
    const seqs = new Uint32Array(slots);
    const forwardedAt = new Float64Array(slots);
    const idLengths = new Uint8Array(slots);
    const ids = new Uint8Array(slots * MAX_ID_BYTES);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.slots;
      senders[i] = this.senders[from];
      recipients[i] = this.recipients[from];
      epochs[i] = this.epochs[from] as number;
      seqs[i] = this.seqs[from] as number;
      forwardedAt[i] = this.forwardedAt[from] as number;
      idLengths[i] = this.idLengths[from] as number;
      ids.set(this.ids.subarray(from * MAX_ID_BYTES, from * MAX_ID_BYTES + (this.idLengths[from] as number)), i * MAX_ID_BYTES);
    }
    this.slots = slots;
    this.senders = senders;
    this.recipients = recipients;
    this.epochs = epochs;
    this.seqs = seqs;
    this.forwardedAt = forwardedAt;
    this.idLengths = idLengths;
    this.ids = ids;
    this.head = 0;
  }

  private covered(sender: Contact, recipient: Contact, epoch: number, seq: number, forwardedAt: number): boolean {
    const seen = this.acks.get(sender)?.get(recipient.endpointKey);
    if (seen === undefined || seen.at < forwardedAt || seen.epoch !== epoch) return false;
    if (seq <= seen.upTo) return true;
    for (let i = 0; i < seen.rangeCount; i++) {
      if (seq >= (seen.ranges[2 * i] as number) && seq <= (seen.ranges[2 * i + 1] as number)) return true;
    }
    return false;
  }
}
