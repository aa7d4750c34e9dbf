/**
 * The relay's store in memory: the same `RelayStore` behaviour as the
 * embedded SQLite store (relayStore.ts; one contract test,
 * test/helpers/storeContract.ts, runs against every implementation), kept in
 * maps, for a relay that keeps nothing on disk (`--ephemeral`, a relay a
 * client hosts without a data dir, tests) and the deterministic simulation.
 * An in-memory SQLite database costs ~0.15 s of CPU per process to load and
 * open (the WebAssembly module); this costs nothing, and nothing survives the
 * process either way.
 */
import type { Binding, NewStoredChat, Receipt, RelayStore, StoredChat, Usage } from './relayStore.js';

/** A store that lives and dies with the process (`file` is null). */
export function openMemoryStore(): RelayStore {
  const names = new Map<string, Binding>();
  /** Stored chats by row: a Map keeps insertion order, which is row order (rows only grow). */
  const offline = new Map<number, StoredChat>();
  /** `recipientKey` → id → row. */
  const byRecipient = new Map<string, Map<string, number>>();
  /** `senderKey` → id → receipt. */
  const receipts = new Map<string, Map<string, Receipt>>();
  let nextRow = 1;
  let closed = false;
  const open = (): void => {
    if (closed) throw new Error('the relay store is closed');
  };
  const dropChat = (row: number): boolean => {
    const chat = offline.get(row);
    if (!chat) return false;
    offline.delete(row);
    const ids = byRecipient.get(chat.recipientKey);
    ids?.delete(chat.id);
    if (ids?.size === 0) byRecipient.delete(chat.recipientKey);
    return true;
  };
  const dropChatsOf = (recipientKey: string): void => {
    for (const row of [...(byRecipient.get(recipientKey)?.values() ?? [])]) dropChat(row);
  };
  return {
    file: null,
    binding(key) {
      open();
      const b = names.get(key);
      return b ? { ...b, publicKey: b.publicKey.slice() } : undefined;
    },
    bind(name, key, publicKey, now) {
      open();
      if (names.has(key)) return false;
      names.set(key, { name, key, publicKey: publicKey.slice(), boundAt: now });
      return true;
    },
    bindings() {
      open();
      return [...names.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((b) => ({ ...b, publicKey: b.publicKey.slice() }));
    },
    release(key) {
      open();
      dropChatsOf(key);
      receipts.delete(key);
      return names.delete(key);
    },
    usage(recipientKey): Usage {
      open();
      let count = 0;
      let bytes = 0;
      for (const row of byRecipient.get(recipientKey)?.values() ?? []) {
        count++;
        bytes += Buffer.byteLength((offline.get(row) as StoredChat).text);
      }
      return { count, bytes };
    },
    isStored(recipientKey, id) {
      open();
      return byRecipient.get(recipientKey)?.has(id) ?? false;
    },
    storeChat(c: NewStoredChat, now) {
      open();
      let ids = byRecipient.get(c.recipientKey);
      if (ids?.has(c.id)) return 'duplicate';
      const row = nextRow++;
      offline.set(row, { ...c, row, storedAt: now });
      if (!ids) byRecipient.set(c.recipientKey, (ids = new Map()));
      ids.set(c.id, row);
      return 'stored';
    },
    storedFor(recipientKey) {
      open();
      const rows = [...(byRecipient.get(recipientKey)?.values() ?? [])].sort((a, b) => a - b);
      return rows.map((row) => ({ ...(offline.get(row) as StoredChat) }));
    },
    acknowledged(rows, added) {
      open();
      for (const row of rows) dropChat(row);
      for (const r of added) {
        let of = receipts.get(r.senderKey);
        if (!of) receipts.set(r.senderKey, (of = new Map()));
        of.set(r.id, { ...r });
      }
    },
    receiptsFor(senderKey) {
      open();
      return [...(receipts.get(senderKey)?.values() ?? [])].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => ({ ...r }));
    },
    dropReceipt(senderKey, id) {
      open();
      const of = receipts.get(senderKey);
      of?.delete(id);
      if (of?.size === 0) receipts.delete(senderKey);
    },
    expire(before) {
      open();
      let n = 0;
      for (const [row, chat] of [...offline]) if (chat.storedAt < before && dropChat(row)) n++;
      for (const [senderKey, of] of [...receipts]) {
        for (const [id, r] of [...of]) {
          if (r.at < before) {
            of.delete(id);
            n++;
          }
        }
        if (of.size === 0) receipts.delete(senderKey);
      }
      return n;
    },
    counts() {
      open();
      let n = 0;
      for (const of of receipts.values()) n += of.size;
      return { bindings: names.size, stored: offline.size, receipts: n };
    },
    close() {
      closed = true;
    },
  };
}
