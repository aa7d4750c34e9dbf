/**
 * The relay's durable state (PROTOCOL.md §6.5, §6.6): name bindings (name →
 * Ed25519 public key, trust on first use), stored messages for offline names,
 * and receipts waiting for their offline senders. A small synchronous
 * interface over @udpchat/store (SQLite, WAL, synchronous=FULL: each call that
 * changes something has committed when it returns), so the relay's rules stay
 * sans-I/O and call it in line; `file: null` is a private in-memory database
 * (`--ephemeral`, the simulation).
 */
import { openStore, type Store } from '@udpchat/store';
import { MIGRATIONS, RELAY_APPLICATION_ID } from './schema.js';

/** A name bound to a key. */
export interface Binding {
  /** The name as first bound (its spelling). */
  readonly name: string;
  /** `nameKey(name)`: what the binding is found by. */
  readonly key: string;
  /** Raw Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** When it was bound, ms since the epoch. */
  readonly boundAt: number;
}

/** A chat stored for an offline recipient. */
export interface StoredChat {
  /** Its row (store order: the order to deliver in). */
  readonly row: number;
  /** `nameKey` of the recipient. */
  readonly recipientKey: string;
  /** The recipient's name as bound. */
  readonly recipient: string;
  /** The sender's registered name. */
  readonly sender: string;
  /** `nameKey(sender)`. */
  readonly senderKey: string;
  /** Whether the sender had registered with a key (its receipt may then wait for it). */
  readonly senderKeyed: boolean;
  readonly id: string;
  /** The sender's conversation epoch (PROTOCOL.md §4.6): an ack covers the chat only under this epoch. */
  readonly epoch: number;
  readonly seq: number;
  readonly base: number;
  /** The sender's `time`, ms since the epoch. */
  readonly time: number;
  readonly text: string;
  /** When stored, ms since the epoch. */
  readonly storedAt: number;
}

/** A chat to store (its row and storage time are the store's). */
export type NewStoredChat = Omit<StoredChat, 'row' | 'storedAt'>;

/** A receipt for a sender: its chat `id` was acknowledged by `by`. */
export interface Receipt {
  readonly senderKey: string;
  readonly id: string;
  readonly by: string;
  /** When acknowledged, ms since the epoch. */
  readonly at: number;
}

/** What is stored for one recipient. */
export interface Usage {
  readonly count: number;
  /** UTF-8 bytes of the stored texts. */
  readonly bytes: number;
}

/** The relay's store. Every method is synchronous; those that change something have committed on return. */
export interface RelayStore {
  /** The file, or null in memory. */
  readonly file: string | null;
  binding(key: string): Binding | undefined;
  /** Binds `key` to `publicKey` (first use); false when it was already bound (nothing changes). */
  bind(name: string, key: string, publicKey: Uint8Array, now: number): boolean;
  /** Every binding, by name key. */
  bindings(): Binding[];
  /** Deletes the binding of `key` and everything stored for it; false when there was none. */
  release(key: string): boolean;
  usage(recipientKey: string): Usage;
  /** Whether chat `id` is stored for `recipientKey`. */
  isStored(recipientKey: string, id: string): boolean;
  /** Stores `chat` (`stored`), or nothing when that id is already stored for that recipient (`duplicate`). */
  storeChat(chat: NewStoredChat, now: number): 'stored' | 'duplicate';
  /** What is stored for `recipientKey`, in store order. */
  storedFor(recipientKey: string): StoredChat[];
  /** Deletes the stored chats `rows` and adds `receipts`, in one transaction. */
  acknowledged(rows: readonly number[], receipts: readonly Receipt[]): void;
  /** The receipts waiting for `senderKey`, oldest first. */
  receiptsFor(senderKey: string): Receipt[];
  /** Forgets the receipt of `id` for `senderKey`. */
  dropReceipt(senderKey: string, id: string): void;
  /** Deletes stored chats and receipts older than `before` (ms since the epoch); returns how many. */
  expire(before: number): number;
  /** Statistics for the operator: bindings, stored chats, receipts. */
  counts(): { bindings: number; stored: number; receipts: number };
  close(): void;
}

type Value = number | bigint | string | Uint8Array | null | undefined;
type Row = Record<string, Value>;
const num = (v: Value): number => Number(v ?? 0);
const str = (v: Value): string => String(v ?? '');

function bindingOf(r: Row): Binding {
  return { name: str(r.name), key: str(r.key), publicKey: new Uint8Array(r.public_key as Uint8Array), boundAt: num(r.bound_at) };
}

function chatOf(r: Row): StoredChat {
  return {
    row: num(r.row),
    recipientKey: str(r.recipient_key),
    recipient: str(r.recipient),
    sender: str(r.sender),
    senderKey: str(r.sender_key),
    senderKeyed: num(r.sender_keyed) === 1,
    id: str(r.id),
    epoch: num(r.epoch),
    seq: num(r.seq),
    base: num(r.base),
    time: num(r.time),
    text: str(r.text),
    storedAt: num(r.stored_at),
  };
}

/**
 * Opens the relay's store at `file` (null: in memory), creating and migrating it.
 * @throws StoreError LOCKED, CORRUPT, TOO_NEW, IO (see @udpchat/store).
 */
export function openRelayStore(file: string | null): RelayStore {
  const store: Store = openStore({ file, applicationId: RELAY_APPLICATION_ID, migrations: MIGRATIONS });
  const { db } = store;
  return {
    file,
    binding(key) {
      const r = db.get('SELECT name, key, public_key, bound_at FROM names WHERE key = ?', [key]) as Row | null;
      return r ? bindingOf(r) : undefined;
    },
    bind(name, key, publicKey, now) {
      return db.run('INSERT OR IGNORE INTO names (key, name, public_key, bound_at) VALUES (?, ?, ?, ?)', [key, name, publicKey, now]).changes === 1;
    },
    bindings: () => (db.all('SELECT name, key, public_key, bound_at FROM names ORDER BY key') as Row[]).map(bindingOf),
    release(key) {
      return store.transaction(() => {
        db.run('DELETE FROM offline WHERE recipient_key = ?', [key]);
        db.run('DELETE FROM receipts WHERE sender_key = ?', [key]);
        return db.run('DELETE FROM names WHERE key = ?', [key]).changes === 1;
      });
    },
    usage(recipientKey) {
      const r = db.get('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM offline WHERE recipient_key = ?', [recipientKey]) as Row;
      return { count: num(r.n), bytes: num(r.b) };
    },
    isStored: (recipientKey, id) => db.get('SELECT 1 AS x FROM offline WHERE recipient_key = ? AND id = ?', [recipientKey, id]) !== null,
    storeChat(c, now) {
      const changes = db.run(
        `INSERT OR IGNORE INTO offline (recipient_key, recipient, sender, sender_key, sender_keyed, id, epoch, seq, base, time, text, bytes, stored_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [c.recipientKey, c.recipient, c.sender, c.senderKey, c.senderKeyed ? 1 : 0, c.id, c.epoch, c.seq, c.base, c.time, c.text, Buffer.byteLength(c.text), now],
      ).changes;
      return changes === 1 ? 'stored' : 'duplicate';
    },
    storedFor: (recipientKey) =>
      (db.all('SELECT rowid AS row, * FROM offline WHERE recipient_key = ? ORDER BY rowid', [recipientKey]) as Row[]).map(chatOf),
    acknowledged(rows, receipts) {
      if (rows.length === 0 && receipts.length === 0) return;
      store.transaction(() => {
        for (const row of rows) db.run('DELETE FROM offline WHERE rowid = ?', [row]);
        for (const r of receipts) db.run('INSERT OR REPLACE INTO receipts (sender_key, id, by_name, at) VALUES (?, ?, ?, ?)', [r.senderKey, r.id, r.by, r.at]);
      });
    },
    receiptsFor: (senderKey) =>
      (db.all('SELECT sender_key, id, by_name, at FROM receipts WHERE sender_key = ? ORDER BY at, id', [senderKey]) as Row[]).map((r) => ({
        senderKey: str(r.sender_key),
        id: str(r.id),
        by: str(r.by_name),
        at: num(r.at),
      })),
    dropReceipt(senderKey, id) {
      db.run('DELETE FROM receipts WHERE sender_key = ? AND id = ?', [senderKey, id]);
    },
    expire(before) {
      return store.transaction(
        () => db.run('DELETE FROM offline WHERE stored_at < ?', [before]).changes + db.run('DELETE FROM receipts WHERE at < ?', [before]).changes,
      );
    },
    counts() {
      const n = (table: string) => num((db.get(`SELECT COUNT(*) AS n FROM ${table}`) as Row).n);
      return { bindings: n('names'), stored: n('offline'), receipts: n('receipts') };
    },
    close: () => store.close(),
  };
}
