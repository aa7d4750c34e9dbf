/**
 * Receipts over the `<prefix>_receipts` bucket (PROTOCOL.md §6.6): one
 * entry per sender and chat id, put when the stored chat is acknowledged
 * (on the recipient's relay), deleted at `receipt-ack` (on the sender's).
 */
import type { Receipt } from '../../store/relayStore.js';
import { decodeReceipt, encodeReceipt } from './codec.js';
import { KvMirror, type MirrorEntry, type MirrorOptions } from './kvMirror.js';
import { receiptEntryKey } from './keys.js';
import type { StoreChange } from './types.js';

/** The receipts of the cluster, as this relay's mirror has them, by sender; reports receipts made by other relays. */
export class Receipts {
  readonly mirror: KvMirror<Receipt>;
  private readonly bySender = new Map<string, Set<string>>();
  private count = 0;

  constructor(options: Omit<MirrorOptions<Receipt>, 'hooks'>, emit: (change: StoreChange) => void) {
    this.mirror = new KvMirror({
      ...options,
      hooks: { decode: decodeReceipt, encode: encodeReceipt, onView: (k, before, after, remote) => this.changed(k, before, after, remote, emit) },
    });
  }

  private changed(k: string, before: MirrorEntry<Receipt> | undefined, after: MirrorEntry<Receipt> | undefined, remote: boolean, emit: (c: StoreChange) => void): void {
    this.count += (after ? 1 : 0) - (before ? 1 : 0);
    if (before && !after) {
      const set = this.bySender.get(before.value.senderKey);
      if (set?.delete(k) && set.size === 0) this.bySender.delete(before.value.senderKey);
    }
    if (after) {
      let set = this.bySender.get(after.value.senderKey);
      if (!set) this.bySender.set(after.value.senderKey, (set = new Set()));
      set.add(k);
    }
    if (remote && !before && after) emit({ type: 'receipt', senderKey: after.value.senderKey });
  }

  /** Adds (or replaces) `receipts`; resolves when JetStream has them all (whatever the outcome). */
  add(receipts: readonly Receipt[]): Promise<unknown> {
    return Promise.all(receipts.map((r) => this.mirror.put(receiptEntryKey(r.senderKey, r.id), { ...r })));
  }

  /** The receipts waiting for `senderKey`, oldest first (then by id). */
  for(senderKey: string): Receipt[] {
    const out: Receipt[] = [];
    for (const k of this.bySender.get(senderKey) ?? []) {
      const e = this.mirror.get(k);
      if (e) out.push(e.value);
    }
    return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  drop(senderKey: string, id: string): void {
    const k = receiptEntryKey(senderKey, id);
    if (this.mirror.get(k)) void this.mirror.delete(k);
  }

  /** Deletes every receipt waiting for `senderKey`. */
  removeFor(senderKey: string): void {
    for (const k of [...(this.bySender.get(senderKey) ?? [])]) void this.mirror.delete(k);
  }

  /** Deletes the receipts made before `before` (ms since the epoch); returns how many. */
  expire(before: number): number {
    let n = 0;
    for (const [k, e] of [...this.mirror.entries()]) {
      if (e.value.at >= before) continue;
      void this.mirror.delete(k);
      n++;
    }
    return n;
  }

  get size(): number {
    return this.count;
  }
}
