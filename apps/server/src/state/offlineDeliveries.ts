/**
 * Stored messages on their way to a recipient that came back (PROTOCOL.md
 * §6.6): which were sent to its current session and when, so that they are
 * retransmitted until its `ack` covers them. In memory only: after a relay
 * restart they are sent again from the store at the next registration.
 */
import type { StoredChat } from '../store/relayStore.js';

/** Bounds of what is stored per recipient (PROTOCOL.md §6.6; relay flags). */
export interface OfflineLimits {
  /** Most stored messages per recipient (default 1,000). */
  readonly maxMessages: number;
  /** Most UTF-8 bytes of stored text per recipient (default 1 MiB). */
  readonly maxBytes: number;
  /** How long a stored message (or receipt) is kept, in ms (default 7 days). */
  readonly maxAgeMs: number;
}

/** Defaults of `OfflineLimits`. */
export const DEFAULT_OFFLINE_LIMITS: OfflineLimits = { maxMessages: 1000, maxBytes: 1024 * 1024, maxAgeMs: 7 * 24 * 3600 * 1000 };

/** How long a stored message sent to its recipient waits for the ack before it is sent again, in ms. */
export const STORED_RESEND_MS = 1000;

/** One stored chat in flight to its recipient. */
export interface InFlight {
  readonly chat: StoredChat;
  /** The `base` it is sent with: the lowest stored seq from its sender. */
  readonly base: number;
  /** When last sent, ms of the relay's monotonic clock. */
  sentAt: number;
}

/** A receipt sent to its (online) sender and not yet answered with `receipt-ack`. */
export interface ReceiptOut {
  readonly id: string;
  readonly by: string;
  /** When last sent, ms of the relay's monotonic clock. */
  sentAt: number;
}

/** A stored chat's conversation: its sender and one of its epochs (PROTOCOL.md §4.6); `base` is per conversation. */
const conversation = (c: StoredChat): string => `${c.senderKey}\0${c.epoch}`;

/** The lowest seq of each conversation of `chats`. */
function lowestSeqs(chats: readonly StoredChat[]): Map<string, number> {
  const lowest = new Map<string, number>();
  for (const c of chats) lowest.set(conversation(c), Math.min(lowest.get(conversation(c)) ?? c.seq, c.seq));
  return lowest;
}

/** Those of `items` last sent before `before` (their retransmission is due), marked sent at `now`. */
function takeDue<T extends { sentAt: number }>(items: Iterable<T>, before: number, now: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (item.sentAt > before) continue;
    item.sentAt = now;
    out.push(item);
  }
  return out;
}

/** In-flight stored chats by recipient name key, each by store row; receipts in flight by sender name key. */
export class OfflineDeliveries {
  private readonly byRecipient = new Map<string, Map<number, InFlight>>();
  private readonly receiptsOut = new Map<string, Map<string, ReceiptOut>>();

  /** A receipt of `id` (acknowledged by `by`) was sent to `senderKey` at `now`: sent again until its receipt-ack. */
  receiptSent(senderKey: string, id: string, by: string, now: number): void {
    let map = this.receiptsOut.get(senderKey);
    if (!map) this.receiptsOut.set(senderKey, (map = new Map()));
    map.set(id, { id, by, sentAt: now });
  }

  /** `senderKey` answered the receipt of `id`. */
  receiptTaken(senderKey: string, id: string): void {
    const map = this.receiptsOut.get(senderKey);
    if (map?.delete(id) && map.size === 0) this.receiptsOut.delete(senderKey);
  }

  /** Senders with receipts in flight. */
  receiptSenders(): string[] {
    return [...this.receiptsOut.keys()];
  }

  /** The receipts in flight to `senderKey` sent before `before`, marked sent at `now`. */
  receiptsDue(senderKey: string, before: number, now: number): ReceiptOut[] {
    return takeDue(this.receiptsOut.get(senderKey)?.values() ?? [], before, now);
  }

  /** Forgets the receipts in flight to `senderKey` (it left: they wait in the store, or are gone for a keyless sender). */
  forgetReceipts(senderKey: string): void {
    this.receiptsOut.delete(senderKey);
  }

  /** Starts over for `recipientKey` (a new session of it) with `chats`, sent at `now`. */
  begin(recipientKey: string, chats: readonly StoredChat[], now: number): InFlight[] {
    const lowest = lowestSeqs(chats);
    const map = new Map<number, InFlight>();
    for (const chat of chats) map.set(chat.row, { chat, base: lowest.get(conversation(chat)) ?? chat.seq, sentAt: now });
    if (map.size > 0) this.byRecipient.set(recipientKey, map);
    else this.byRecipient.delete(recipientKey);
    return [...map.values()];
  }

  /**
   * Adds to what is in flight to `recipientKey` (the same session) those of
   * `chats` that are not in flight yet (by chat id: the id is unique per
   * recipient, a row may have two aliases in cluster mode), sent at `now`;
   * those in flight keep their `base` and retransmission timing. For chats
   * stored by another relay while the recipient is here (cluster mode).
   * @returns the ones added (to send now).
   */
  add(recipientKey: string, chats: readonly StoredChat[], now: number): InFlight[] {
    const map = this.byRecipient.get(recipientKey) ?? new Map<number, InFlight>();
    const inFlight = new Set<string>();
    for (const f of map.values()) inFlight.add(f.chat.id);
    const fresh = chats.filter((c) => !inFlight.has(c.id));
    if (fresh.length === 0) return [];
    const lowest = lowestSeqs([...[...map.values()].map((f) => f.chat), ...fresh]);
    const added = fresh.map((chat) => ({ chat, base: lowest.get(conversation(chat)) ?? chat.seq, sentAt: now }));
    for (const f of added) map.set(f.chat.row, f);
    this.byRecipient.set(recipientKey, map);
    return added;
  }

  /** Whether the receipt of `id` is in flight to `senderKey` (sent, not yet answered). */
  receiptInFlight(senderKey: string, id: string): boolean {
    return this.receiptsOut.get(senderKey)?.has(id) ?? false;
  }

  /**
   * Removes and returns what `recipientKey` acknowledged of `senderKey`'s
   * conversation of `epoch`: the seqs up to `upTo` and in `ranges`.
   */
  acknowledge(recipientKey: string, senderKey: string, epoch: number, upTo: number, ranges: ReadonlyArray<readonly [number, number]>): InFlight[] {
    const map = this.byRecipient.get(recipientKey);
    if (!map) return [];
    const covered = (seq: number) => seq <= upTo || ranges.some(([first, last]) => seq >= first && seq <= last);
    const done: InFlight[] = [];
    for (const [row, f] of map) {
      if (f.chat.senderKey === senderKey && f.chat.epoch === epoch && covered(f.chat.seq)) {
        done.push(f);
        map.delete(row);
      }
    }
    if (map.size === 0) this.byRecipient.delete(recipientKey);
    return done;
  }

  /** Whether stored chats are in flight to `recipientKey` (its acks must then go through `acknowledge`). */
  hasInFlight(recipientKey: string): boolean {
    return this.byRecipient.has(recipientKey);
  }

  /** Recipients with chats in flight. */
  recipients(): string[] {
    return [...this.byRecipient.keys()];
  }

  /** The chats in flight to `recipientKey` sent before `before`, marked sent at `now`. */
  due(recipientKey: string, before: number, now: number): InFlight[] {
    return takeDue(this.byRecipient.get(recipientKey)?.values() ?? [], before, now);
  }

  /** Forgets `recipientKey` (it left). */
  forget(recipientKey: string): void {
    this.byRecipient.delete(recipientKey);
  }

  /** Chats in flight, all recipients. */
  get size(): number {
    let n = 0;
    for (const m of this.byRecipient.values()) n += m.size;
    return n;
  }
}
