/**
 * The history writer: the session's journal (session.ts, `Journal`). Own
 * messages are committed before their first datagram leaves (write before
 * send: a client killed one millisecond after Enter still has them);
 * incoming ones before they are shown, deduplicated by id (a message id is
 * shown once, across restarts of either side). Delivery states are persisted
 * by message id from the session's `delivery` events, batched per event-loop
 * turn (one transaction for a burst; a state lost to a crash only means the
 * message is sent again after the restart and deduplicated by its receiver).
 * A contact's rename moves its conversation.
 */
import { GROUP_ALL, nameKey, type ChatMessage } from '@udpchat/protocol';
import type { DeliveryState } from '../net/delivery/states.js';
import type { ChatSession, Journal } from '../net/session.js';
import type { HistoryDb } from './historyDb.js';

/** The conversation a message belongs to, seen from this client: `all`, or the other side's name key. */
export function conversationOf(m: Pick<ChatMessage, 'from' | 'to'>, own: boolean): string {
  if (nameKey(m.to) === GROUP_ALL) return GROUP_ALL;
  return nameKey(own ? m.to : m.from);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class HistoryWriter implements Journal {
  private readonly states = new Map<string, DeliveryState>();
  private flushing: NodeJS.Immediate | null = null;

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
    session.on('delivery', (m, d) => this.delivery(m.id, d));
    session.on('rename', (from, to) => this.guard(() => this.db.renameConversation(nameKey(from), nameKey(to), to)));
  }

  /** Journal: an own message, committed as `queued` before it is sent. */
  sending(m: ChatMessage): void {
    const conv = conversationOf(m, true);
    this.guard(() =>
      this.db.insert(
        { id: m.id, conv, sender: m.from, recipient: m.to, own: true, time: m.time, sentAt: m.time, text: m.text, delivery: { state: 'queued' } },
        conv === GROUP_ALL ? GROUP_ALL : m.to,
      ),
    );
  }

  /** Journal: an incoming message, committed; false when its id is stored already (shown before). */
  received(m: ChatMessage): boolean {
    const conv = conversationOf(m, false);
    const stored = this.guard(() =>
      this.db.insert(
        { id: m.id, conv, sender: m.from, recipient: m.to, own: false, time: Date.now(), sentAt: m.time, text: m.text, delivery: null },
        conv === GROUP_ALL ? GROUP_ALL : m.from,
      ),
    );
    // A write that failed still shows the message (the error was reported).
    return stored ?? true;
  }

  /** Writes the delivery states gathered so far (also called at close). */
  flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    if (this.states.size === 0) return;
    const batch = new Map(this.states);
    this.states.clear();
    this.guard(() => this.db.setStates(batch));
  }

  private delivery(id: string, d: DeliveryState): void {
    this.states.set(id, d);
    this.flushing ??= setImmediate(() => this.flush());
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
