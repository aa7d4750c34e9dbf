/**
 * The client's history file: `<dataDir>/history/<name>.db`, one per name this
 * user chats as (two clients of one user with different names run at once;
 * a file has one owner process). Schema version 1:
 * - `messages`: every chat message shown, incoming and own, in the order it was
 *   stored (`seq`); `id` unique (a message id is shown once, across restarts of
 *   either side); own messages keep their delivery state (`state`, the
 *   `DeliveryState` as JSON in `state_json`) and `retry` = 1 while it is not
 *   final (sent again, with the same id, after a restart);
 * - `conversations`: one row per conversation with history (`all` or a
 *   contact's name key), its title and newest `seq`, so that the contact list
 *   is built without scanning the messages.
 */
import { join } from 'node:path';
import { nameKey } from '@udpchat/protocol';
import type { Migration } from '@udpchat/store';

/** `PRAGMA application_id` of a client history file ('udph'). */
export const HISTORY_APPLICATION_ID = 0x75647068;

/** The migrations of the history schema, versions 1..N. */
export const HISTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conv TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  own INTEGER NOT NULL,
  time INTEGER NOT NULL,
  sent_at INTEGER NOT NULL,
  text TEXT NOT NULL,
  state TEXT,
  state_json TEXT,
  retry INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_by_conv ON messages (conv, seq);
CREATE INDEX messages_to_retry ON messages (seq) WHERE retry = 1;
CREATE TABLE conversations (
  key TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  last_seq INTEGER NOT NULL
);`,
  },
];

/**
 * The history file of `name` in the data directory `dataDir`, by its name key
 * (names differing only in case are one name at the relay). Names are safe as
 * file names: letters, marks, digits and `_.-` (packages/protocol names.ts).
 */
export function historyFile(dataDir: string, name: string): string {
  return join(dataDir, 'history', `${nameKey(name)}.db`);
}
