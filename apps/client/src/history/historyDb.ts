/**
 * The history file's queries (schema.ts): prepared once, run synchronously
 * (node-sqlite3-wasm). Inserts commit before they return (synchronous=FULL:
 * on disk when the call returns); reads page by `seq` on the
 * `(conv, seq)` index, so a page costs the same at 100 or 100,000 messages.
 */
import { openStore, type Store } from '@udpchat/store';
import type { DeliveryState } from '../net/delivery/states.js';
import { HISTORY_APPLICATION_ID, HISTORY_MIGRATIONS } from './schema.js';

/** One stored chat message. */
export interface StoredMessage {
  /** Order in the file (increasing). */
  seq: number;
  /** Message id (unique). */
  id: string;
  /** Conversation: `all` or the contact's name key. */
  conv: string;
  /** Sender's name. */
  sender: string;
  /** The message's `to` as sent: `all` or a name. */
  recipient: string;
  /** Sent by this user. */
  own: boolean;
  /** When it was sent (own) or arrived (incoming), by this computer's clock, ms since the epoch. */
  time: number;
  /** The sender's clock when written, ms since the epoch. */
  sentAt: number;
  /** The text as received or typed (not escaped: escape before showing). */
  text: string;
  /** Own messages: the latest delivery state; null for incoming ones. */
  delivery: DeliveryState | null;
}

/** A conversation with history. */
export interface StoredConversation {
  /** `all` or a name key. */
  key: string;
  /** Display name (the contact's name as last seen). */
  title: string;
}

/** A page of messages, oldest first; `more` is true when the database has more beyond it (in the paging direction). */
export interface Page {
  messages: StoredMessage[];
  more: boolean;
}

/**
 * True while an own message in state `d` is to be sent again after a restart:
 * queued, sending, or at the relay waiting for acks. Not: delivered, failed,
 * final at the relay, or any other state (such as stored at the relay for an
 * offline recipient), which another component finishes.
 */
export function needsRetry(d: DeliveryState | null): boolean {
  if (d === null) return false;
  return d.state === 'queued' || d.state === 'sending' || (d.state === 'at-relay' && !d.final);
}

type Row = Record<string, unknown>;

function toMessage(r: Row): StoredMessage {
  const json = r.state_json;
  return {
    seq: Number(r.seq),
    id: String(r.id),
    conv: String(r.conv),
    sender: String(r.sender),
    recipient: String(r.recipient),
    own: Number(r.own) === 1,
    time: Number(r.time),
    sentAt: Number(r.sent_at),
    text: String(r.text),
    delivery: typeof json === 'string' ? (JSON.parse(json) as DeliveryState) : null,
  };
}

const COLUMNS = 'seq, id, conv, sender, recipient, own, time, sent_at, text, state_json';

/** An open history file (or an in-memory one, `file` null). */
export class HistoryDb {
  private readonly statements = new Map<string, ReturnType<Store['db']['prepare']>>();
  /** The connection's `PRAGMA synchronous` now: FULL (the store's) or NORMAL. */
  private synchronous: 'FULL' | 'NORMAL' = 'FULL';

  private constructor(private readonly store: Store) {}

  /**
   * Opens (creating and migrating) the history file `file`, or an in-memory history when null.
   * @throws StoreError LOCKED (another client owns it), CORRUPT, TOO_NEW, IO (its message names the file and the way out).
   */
  static open(file: string | null): HistoryDb {
    return new HistoryDb(openStore({ file, applicationId: HISTORY_APPLICATION_ID, migrations: HISTORY_MIGRATIONS }));
  }

  /** The file, or null in memory. */
  get file(): string | null {
    return this.store.file;
  }

  private sql(text: string): ReturnType<Store['db']['prepare']> {
    let s = this.statements.get(text);
    if (!s) {
      s = this.store.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  /**
   * Stores a message (committed when this returns) unless its id is stored already.
   * @param title the conversation's display name.
   * @returns false when the id was already there (a duplicate: nothing changed).
   */
  insert(m: Omit<StoredMessage, 'seq'>, title: string): boolean {
    return this.store.transaction(() => {
      const result = this.sql(
        `INSERT OR IGNORE INTO messages (id, conv, sender, recipient, own, time, sent_at, text, state, state_json, retry)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run([
        m.id,
        m.conv,
        m.sender,
        m.recipient,
        m.own ? 1 : 0,
        m.time,
        m.sentAt,
        m.text,
        m.delivery?.state ?? null,
        m.delivery ? JSON.stringify(m.delivery) : null,
        needsRetry(m.delivery) ? 1 : 0,
      ]);
      if (result.changes === 0) return false;
      this.sql(
        `INSERT INTO conversations (key, title, last_seq) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET title = excluded.title, last_seq = excluded.last_seq`,
      ).run([m.conv, title, Number(result.lastInsertRowid)]);
      return true;
    });
  }

  /** Sets the delivery state of own messages by id (one transaction); unknown ids are ignored. */
  setStates(updates: ReadonlyMap<string, DeliveryState>): void {
    if (updates.size === 0) return;
    this.store.transaction(() => {
      const s = this.sql('UPDATE messages SET state = ?, state_json = ?, retry = ? WHERE id = ? AND own = 1');
      for (const [id, d] of updates) s.run([d.state, JSON.stringify(d), needsRetry(d) ? 1 : 0, id]);
    });
  }

  /** True when a message with this id is stored. */
  has(id: string): boolean {
    return this.sql('SELECT 1 AS x FROM messages WHERE id = ?').get([id]) !== null;
  }

  /** The stored message `id`, or null. */
  get(id: string): StoredMessage | null {
    const r = this.sql(`SELECT ${COLUMNS} FROM messages WHERE id = ?`).get([id]);
    return r ? toMessage(r) : null;
  }

  /** The conversations with history, newest activity first. */
  conversations(): StoredConversation[] {
    return this.sql('SELECT key, title FROM conversations ORDER BY last_seq DESC')
      .all()
      .map((r) => ({ key: String(r.key), title: String(r.title) }));
  }

  /** The newest `limit` messages of `conv` up to `seq` (inclusive; all when null), oldest first; `more`: older ones exist. */
  upTo(conv: string, seq: number | null, limit: number): Page {
    const rows = this.sql(`SELECT ${COLUMNS} FROM messages WHERE conv = ? AND seq <= ? ORDER BY seq DESC LIMIT ?`)
      .all([conv, seq ?? Number.MAX_SAFE_INTEGER, limit + 1])
      .map(toMessage);
    const more = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse(), more };
  }

  /** The `limit` messages of `conv` just after `seq`, oldest first; `more`: newer ones exist beyond them. */
  after(conv: string, seq: number, limit: number): Page {
    const rows = this.sql(`SELECT ${COLUMNS} FROM messages WHERE conv = ? AND seq > ? ORDER BY seq ASC LIMIT ?`)
      .all([conv, seq, limit + 1])
      .map(toMessage);
    return { messages: rows.slice(0, limit), more: rows.length > limit };
  }

  /** The seq of message `id`, or null when it is not stored. */
  seqOf(id: string): number | null {
    const r = this.sql('SELECT seq FROM messages WHERE id = ?').get([id]);
    return r ? Number(r.seq) : null;
  }

  /**
   * Messages of `conv` whose text contains `text` (case-insensitive for ASCII,
   * as SQL LIKE), newest first, at most `limit`.
   */
  search(conv: string, text: string, limit: number): StoredMessage[] {
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.sql(`SELECT ${COLUMNS} FROM messages WHERE conv = ? AND text LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT ?`)
      .all([conv, pattern, limit])
      .map(toMessage);
  }

  /** Own messages to send again after a restart (needsRetry), oldest first. */
  toRetry(): StoredMessage[] {
    return this.sql(`SELECT ${COLUMNS} FROM messages WHERE retry = 1 ORDER BY seq ASC`).all().map(toMessage);
  }

  /** The newest `limit` messages of every conversation together, oldest first. */
  recent(limit: number): StoredMessage[] {
    return this.sql(`SELECT ${COLUMNS} FROM messages ORDER BY seq DESC LIMIT ?`).all([limit]).map(toMessage).reverse();
  }

  /** A contact renamed: its conversation `from` becomes `to` (merged into one already there), titled `title`. */
  renameConversation(from: string, to: string, title: string): void {
    if (from === to) {
      this.sql('UPDATE conversations SET title = ? WHERE key = ?').run([title, to]);
      return;
    }
    this.store.transaction(() => {
      this.sql('UPDATE messages SET conv = ? WHERE conv = ?').run([to, from]);
      const last = this.sql('SELECT max(seq) AS s FROM messages WHERE conv = ?').get([to]);
      this.sql('DELETE FROM conversations WHERE key IN (?, ?)').run([from, to]);
      if (last && last.s !== null) this.sql('INSERT INTO conversations (key, title, last_seq) VALUES (?, ?, ?)').run([to, title, Number(last.s)]);
    });
  }

  /** Messages stored in `conv` (for tests and the bench). */
  count(conv: string): number {
    return Number(this.sql('SELECT count(*) AS n FROM messages WHERE conv = ?').get([conv])?.n ?? 0);
  }

  /**
   * Runs `fn` in one transaction. `durable` (the default): committed with an
   * fsync (synchronous=FULL), on disk even after a power loss; false: with
   * synchronous=NORMAL, written to the WAL file before the commit returns
   * (it survives the process being killed, kill -9 included; a power loss may
   * take the last commits), at a fraction of the cost. The writer asks for
   * durable commits of typed messages only (sqlite.org/pragma.html#pragma_synchronous).
   */
  transaction<T>(fn: () => T, durable = true): T {
    const wanted = durable ? 'FULL' : 'NORMAL';
    if (wanted !== this.synchronous && !this.store.db.inTransaction) {
      this.store.db.exec(`PRAGMA synchronous=${wanted}`);
      this.synchronous = wanted;
    }
    return this.store.transaction(fn);
  }

  /** Closes the file and releases it (idempotent). */
  close(): void {
    for (const s of this.statements.values()) if (!s.isFinalized) s.finalize();
    this.statements.clear();
    this.store.close();
  }
}
