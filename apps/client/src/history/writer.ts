/**
 * The history writer: the session's journal (session.ts, `Journal`). Own
 * messages are committed before their first datagram leaves (write before
 * send: a client killed one millisecond after Enter still has them; the
 * session commits before it sends, so a burst is one commit); incoming ones
 * are deduplicated by id (a message id is shown once, across restarts of
 * either side) and committed at the end of the event-loop turn, with the
 * delivery states gathered meanwhile (one transaction for a burst). Commits
 * with own messages are fsynced (synchronous=FULL, 5 to 20 ms here); the
 * others are not (NORMAL: they survive kill -9, a power loss may take the
 * last ones; a lost state only means the message is sent again after the
 * restart and deduplicated by its receiver). Incoming messages are acked
 * ACK_DELAY_MS (50 ms) after they arrive, so their row is committed first.
 * A contact's rename moves its conversation.
 */
import { GROUP_ALL, nameKey, type ChatMessage } from '@udpchat/protocol';
import type { DeliveryState } from '../net/delivery/states.js';
import type { Journal } from '../net/journal.js';
import type { ChatSession } from '../net/session.js';
import type { HistoryDb, StoredMessage } from './historyDb.js';

/** The conversation a message belongs to, seen from this client: `all`, or the other side's name key. */
export function conversationOf(m: Pick<ChatMessage, 'from' | 'to'>, own: boolean): string {
  if (nameKey(m.to) === GROUP_ALL) return GROUP_ALL;
  return nameKey(own ? m.to : m.from);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Row = { message: Omit<StoredMessage, 'seq'>; title: string };

export class HistoryWriter implements Journal {
  private readonly rows: Row[] = [];
  /** Ids in `rows`, for the dedupe before they are committed. */
  private readonly pendingIds = new Set<string>();
  private readonly states = new Map<string, DeliveryState>();
  private scheduled: NodeJS.Immediate | null = null;

  /**
   * @param db the history file.
   * @param onError told (one line) when the file cannot be written; the chat goes on.
   */
  constructor(
    private readonly db: HistoryDb,
    private readonly onError: (message: string) => void,
  ) {}

  /** Listens to the session's delivery states and renames. */
  attach(session: Pick<ChatSession, 'on'>): void {
    session.on('delivery', (m, d) => {
      this.states.set(m.id, d);
      this.schedule();
    });
    session.on('rename', (from, to) => {
      this.commit();
      this.guard(() => this.db.renameConversation(nameKey(from), nameKey(to), to));
    });
  }

  /** Journal: an own message, stored as `queued` at the next commit (before it is sent). */
  sending(m: ChatMessage): void {
    const conv = conversationOf(m, true);
    this.add({
      message: { id: m.id, conv, sender: m.from, recipient: m.to, own: true, time: m.time, sentAt: m.time, text: m.text, delivery: { state: 'queued' } },
      title: conv === GROUP_ALL ? GROUP_ALL : m.to,
    });
  }

  /** Journal: an incoming message; false when its id is stored already (shown before). */
  received(m: ChatMessage): boolean {
    if (this.pendingIds.has(m.id)) return false;
    // A failed read shows the message (the error is reported).
    if (this.guard(() => this.db.has(m.id)) === true) return false;
    const conv = conversationOf(m, false);
    this.add({
      message: { id: m.id, conv, sender: m.from, recipient: m.to, own: false, time: Date.now(), sentAt: m.time, text: m.text, delivery: null },
      title: conv === GROUP_ALL ? GROUP_ALL : m.from,
    });
    this.schedule();
    return true;
  }

  /** Journal: writes the messages and delivery states gathered so far, in one transaction (also at close). */
  commit(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.rows.length === 0 && this.states.size === 0) return;
    const rows = this.rows.splice(0);
    this.pendingIds.clear();
    const states = new Map(this.states);
    this.states.clear();
    // Typed messages with an fsync; what arrived and delivery states survive kill -9 without one (historyDb.ts).
    const typed = rows.some((r) => r.message.own);
    this.guard(() =>
      this.db.transaction(() => {
        for (const r of rows) this.db.insert(r.message, r.title);
        this.db.setStates(states);
      }, typed),
    );
  }

  private add(row: Row): void {
    this.rows.push(row);
    this.pendingIds.add(row.message.id);
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => this.commit());
  }

  private guard<T>(write: () => T): T | undefined {
    try {
      return write();
    } catch (err) {
      this.onError(`history not saved (${this.db.file ?? 'in memory'}): ${describe(err)}`);
      return undefined;
    }
  }
}
