/**
 * Sending from the full-screen UI, and the delivery marks of what was sent:
 * a typed text goes out in one or more messages (split.ts), each shown at
 * once as an own entry whose mark the session's `delivery` events update;
 * `/retry` sends the failed ones again. Refusals go to the notice line.
 */
import { GROUP_ALL, nameKey, type ChatMessage } from '@udpchat/protocol';
import type { DeliveryState } from '../net/delivery/states.js';
import { SendError, type ChatSession, type KeptIdentity } from '../net/session.js';
import { escapeControls } from '../text/sanitize.js';
import { splitNotice } from './commands.js';
import type { Conversations } from './conversations.js';
import type { NoticeBoard } from './noticeBoard.js';
import { OwnMessages } from './ownMessages.js';
import type { Presence } from './presence.js';
import { sendSplit } from './split.js';
import type { MessageEntry, SubmitResult } from './types.js';

/** What sending needs of the session. */
export type SendBackend = Pick<ChatSession, 'name' | 'registration' | 'status' | 'send'>;

/** The parts of the chat state sending reads and changes. */
export interface SenderParts {
  backend: SendBackend;
  presence: Presence;
  conversations: Conversations;
  notices: NoticeBoard;
  /** Called after every change. */
  changed: () => void;
}

export class Sender {
  private readonly own = new OwnMessages();

  constructor(private readonly p: SenderParts) {}

  /**
   * Sends a typed text to `to`, split into several messages when it is over
   * MAX_TEXT_BYTES (split.ts). `kept` when nothing went out (the notice says why).
   */
  sendText(to: string, text: string): SubmitResult {
    const { sent, parts } = sendSplit(text, (part) => this.sendTo(to, part));
    if (sent === 0) return 'kept';
    if (sent < parts) {
      const reason = this.p.notices.current?.text ?? 'refused';
      this.p.notices.set({ text: `sent ${sent} of ${parts} parts; the rest was refused: ${reason}`, level: 'error' });
    } else if (parts > 1) {
      this.p.notices.set({ text: splitNotice(parts), level: 'info' });
    }
    return 'done';
  }

  /**
   * Sends one message and shows it; false (with a notice) when the session refused it.
   * A name that is not online is sent to all the same: the relay refuses it for
   * that name (UNKNOWN_CONTACT) and the entry shows ✗; it never goes to `all`.
   */
  sendTo(to: string, text: string, kept?: KeptIdentity): boolean {
    const { backend, conversations, notices } = this.p;
    const isGroup = nameKey(to) === GROUP_ALL;
    let message: ChatMessage;
    try {
      message = backend.send(isGroup ? GROUP_ALL : (this.p.presence.get(to)?.name ?? conversations.find(nameKey(to))?.title ?? to), text, kept);
    } catch (err) {
      if (err instanceof SendError) {
        notices.set({ text: err.message, level: 'error' });
        return false;
      }
      throw err;
    }
    const key = isGroup ? GROUP_ALL : nameKey(message.to);
    const entry: MessageEntry = {
      kind: 'message',
      id: message.id,
      from: backend.name,
      text: escapeControls(text),
      time: message.time,
      sentAt: message.time,
      own: true,
      // send() may already have sent it: the events before this entry existed said so.
      delivery: backend.registration === 'registered' && backend.status === 'answering' ? { state: 'sending' } : { state: 'queued' },
      raw: text,
      to: message.to,
    };
    this.own.track(entry);
    conversations.append(conversations.get(key, message.to), entry);
    notices.clearError();
    // Sent from another conversation (`@bob text`): say so, and how far it got.
    if (key !== conversations.openKey) notices.sent(entry.id, escapeControls(message.to), entry.text, entry.delivery ?? { state: 'queued' });
    this.p.changed();
    return true;
  }

  /**
   * Sends the failed messages of the open conversation again (new sends, in
   * their order, with their ids: a receiver that had one already acknowledges
   * it without showing it twice), replacing the failed entries.
   */
  retry(): void {
    const conversation = this.p.conversations.get(this.p.conversations.openKey);
    const failed = conversation.entries.filter(
      (e): e is MessageEntry => e.kind === 'message' && e.own && e.delivery?.state === 'failed',
    );
    if (failed.length === 0) {
      this.p.notices.set({ text: 'nothing to retry here', level: 'info' });
      return;
    }
    conversation.entries = conversation.entries.filter((e) => !failed.includes(e as MessageEntry));
    for (const entry of failed) this.sendTo(entry.to ?? conversation.title, entry.raw ?? entry.text, { id: entry.id, time: entry.time });
    this.p.changed();
  }

  /** The session's `delivery` event: the entry's mark, the sent feedback, or a notice when it failed. */
  delivery(m: Pick<ChatMessage, 'id' | 'to'>, state: DeliveryState): void {
    if (!this.own.update(m.id, state)) return;
    if (this.p.notices.delivery(m.id, state)) return;
    if (state.state === 'failed') {
      const to = nameKey(m.to) === GROUP_ALL ? '' : ` to ${escapeControls(m.to)}`;
      this.p.notices.set({ text: `not delivered${to}: ${escapeControls(state.reason)} (/retry or Ctrl+R sends it again)`, level: 'error' });
    } else this.p.changed();
  }

  /** Follows the delivery of an own message shown from the history (sent again after a restart). */
  track(entry: MessageEntry): void {
    this.own.track(entry);
  }

  /** Registered as `name`: queued own messages are shown under it (ownMessages.ts). */
  registeredAs(name: string): void {
    this.own.relabelQueued(name, this.p.conversations);
  }

  /** True when `id` is an own message in the open conversation or the sent-elsewhere notice's. */
  isOwnRef(id: string): boolean {
    if (this.p.notices.isSentElsewhere(id)) return true;
    return this.p.conversations.get(this.p.conversations.openKey).entries.some((e) => e.kind === 'message' && e.own && e.id === id);
  }
}
