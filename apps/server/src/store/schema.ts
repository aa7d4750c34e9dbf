/**
 * The relay store's schema (a file of its own: `relay.db`), in migrations
 * (@udpchat/store applies them in order, each in one transaction).
 *
 * - `names`: one row per reserved name, by `nameKey`: the spelling first
 *   bound, the raw 32-byte Ed25519 public key, when (ms since the epoch).
 * - `offline`: chats stored for offline names (with the sender's conversation
 *   `epoch`, `seq` and `base`, PROTOCOL.md §4.6), delivered in `rowid` order;
 *   one id at most once per recipient.
 * - `receipts`: acknowledged stored chats whose sender has not taken the receipt yet.
 */
import type { Migration } from '@udpchat/store';

/** `PRAGMA application_id` of a relay store: ASCII "udpr" (a client's files have their own). */
export const RELAY_APPLICATION_ID = 0x75647072;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE names (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        public_key BLOB NOT NULL,
        bound_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE offline (
        rowid INTEGER PRIMARY KEY AUTOINCREMENT,
        recipient_key TEXT NOT NULL,
        recipient TEXT NOT NULL,
        sender TEXT NOT NULL,
        sender_key TEXT NOT NULL,
        sender_keyed INTEGER NOT NULL,
        id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        base INTEGER NOT NULL,
        time INTEGER NOT NULL,
        text TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        stored_at INTEGER NOT NULL,
        UNIQUE (recipient_key, id)
      );
      CREATE INDEX offline_by_recipient ON offline (recipient_key, rowid);
      CREATE INDEX offline_by_age ON offline (stored_at);
      CREATE TABLE receipts (
        sender_key TEXT NOT NULL,
        id TEXT NOT NULL,
        by_name TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (sender_key, id)
      ) WITHOUT ROWID;
    `,
  },
];
