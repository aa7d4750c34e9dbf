/**
 * Stored chats over the `<prefix>_offline` bucket (PROTOCOL.md §6.6).
 *
 * Why a KV bucket and not a plain stream with a consumer: a stored chat must
 * be deletable by whichever relay its recipient is on, and every relay's
 * mirror must see that delete (a stream's `deleteMessage` is invisible to
 * consumers; a KV delete is a marker every watcher gets); `create` on the key
 * `<recipient>.<id>` makes "one id at most once per recipient" hold across
 * the cluster (first writer wins, a retransmission through another relay is
 * a duplicate); and an entry's revision is its stream sequence, unique and
 * increasing cluster-wide: that is the chat's `row` (store order).
 *
 * A chat stored here has a provisional row (above every revision) until
 * JetStream acknowledges it; both rows name it until it is deleted.
 */
import type { NewStoredChat, StoredChat, Usage } from '../../store/relayStore.js';
import { decodeChat, encodeChat, type ChatValue } from './codec.js';
import { KvMirror, type MirrorEntry, type MirrorOptions, type WriteOutcome } from './kvMirror.js';
import { chatEntryKey } from './keys.js';
import type { StoreChange } from './types.js';

/** Provisional rows start here (JetStream revisions stay far below: 2^48 ≈ 2.8e14 writes). */
const PROVISIONAL_BASE = 2 ** 48;

/** The stored chats of the cluster, as this relay's mirror has them, by recipient; reports chats stored by other relays. */
export class OfflineChats {
  readonly mirror: KvMirror<ChatValue>;
  private readonly byRecipient = new Map<string, Set<string>>();
  private readonly rowsOf = new Map<string, number[]>();
  private readonly byRow = new Map<number, string>();
  private readonly provisional = new Map<string, number>();
  private readonly writes = new Map<string, Promise<WriteOutcome>>();
  private nextProvisional = PROVISIONAL_BASE;
  private count = 0;

  constructor(options: Omit<MirrorOptions<ChatValue>, 'hooks'>, emit: (change: StoreChange) => void) {
    this.mirror = new KvMirror({
      ...options,
      hooks: { decode: decodeChat, encode: encodeChat, onView: (k, before, after, remote) => this.changed(k, before, after, remote, emit) },
    });
  }

  private changed(k: string, before: MirrorEntry<ChatValue> | undefined, after: MirrorEntry<ChatValue> | undefined, remote: boolean, emit: (c: StoreChange) => void): void {
    this.count += (after ? 1 : 0) - (before ? 1 : 0);
    if (before && !after) {
      const set = this.byRecipient.get(before.value.recipientKey);
      if (set?.delete(k) && set.size === 0) this.byRecipient.delete(before.value.recipientKey);
      for (const row of this.rowsOf.get(k) ?? []) this.byRow.delete(row);
      this.rowsOf.delete(k);
      this.provisional.delete(k);
    }
    if (after) {
      let set = this.byRecipient.get(after.value.recipientKey);
      if (!set) this.byRecipient.set(after.value.recipientKey, (set = new Set()));
      set.add(k);
      if (after.revision !== undefined) this.alias(k, after.revision);
    }
    if (remote && !before && after) emit({ type: 'stored', recipientKey: after.value.recipientKey });
  }

  private alias(k: string, row: number): void {
    if (this.byRow.get(row) === k) return;
    this.byRow.set(row, k);
    const rows = this.rowsOf.get(k);
    if (rows) rows.push(row);
    else this.rowsOf.set(k, [row]);
  }

  private chatOf(k: string, e: MirrorEntry<ChatValue>): StoredChat {
    return { ...e.value, row: e.revision ?? this.provisional.get(k) ?? Number.MAX_SAFE_INTEGER };
  }

  isStored(recipientKey: string, id: string): boolean {
    return this.mirror.get(chatEntryKey(recipientKey, id)) !== undefined;
  }

  /** Stores `chat` in the view at once and creates it in JetStream (a copy of that id there already wins: `duplicate` semantics). */
  store(chat: NewStoredChat, now: number): 'stored' | 'duplicate' {
    const k = chatEntryKey(chat.recipientKey, chat.id);
    if (this.mirror.get(k)) return 'duplicate';
    const row = this.nextProvisional++;
    this.provisional.set(k, row);
    this.alias(k, row);
    const written = this.mirror.create(k, { ...chat, storedAt: now });
    this.writes.set(k, written);
    void written.then(() => {
      if (this.writes.get(k) === written) this.writes.delete(k);
    });
    return 'stored';
  }

  /** Whether the chat is in JetStream: its create acknowledged, or another relay's copy of it there first, or it came from there. */
  written(recipientKey: string, id: string): Promise<boolean> {
    const k = chatEntryKey(recipientKey, id);
    const pending = this.writes.get(k);
    if (pending) return pending.then((outcome) => outcome === 'done' || outcome === 'lost');
    return Promise.resolve(this.mirror.get(k)?.revision !== undefined);
  }

  storedFor(recipientKey: string): StoredChat[] {
    const out: StoredChat[] = [];
    for (const k of this.byRecipient.get(recipientKey) ?? []) {
      const e = this.mirror.get(k);
      if (e) out.push(this.chatOf(k, e));
    }
    return out.sort((a, b) => a.row - b.row);
  }

  usage(recipientKey: string): Usage {
    let count = 0;
    let bytes = 0;
    for (const k of this.byRecipient.get(recipientKey) ?? []) {
      const e = this.mirror.get(k);
      if (!e) continue;
      count++;
      bytes += Buffer.byteLength(e.value.text);
    }
    return { count, bytes };
  }

  /** Deletes the chats of `rows` (rows this store handed out), in JetStream once `after` has ended. */
  remove(rows: readonly number[], after?: Promise<unknown>): void {
    for (const row of rows) {
      const k = this.byRow.get(row);
      if (k !== undefined && this.mirror.get(k)) void this.mirror.delete(k, after);
    }
  }

  /** Deletes everything stored for `recipientKey`. */
  removeFor(recipientKey: string): void {
    for (const k of [...(this.byRecipient.get(recipientKey) ?? [])]) void this.mirror.delete(k);
  }

  /** Deletes the chats stored before `before` (ms since the epoch); returns how many. */
  expire(before: number): number {
    let n = 0;
    for (const [k, e] of [...this.mirror.entries()]) {
      if (e.value.storedAt >= before) continue;
      void this.mirror.delete(k);
      n++;
    }
    return n;
  }

  get size(): number {
    return this.count;
  }
}
