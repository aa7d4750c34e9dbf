import type { ChatMessage } from '@udpchat/protocol';

/**
 * The session's hook for a chat history: own messages are handed to it once
 * numbered, and `commit` is called before any datagram leaves (write before
 * send: a burst typed in one go is one commit, not one per message);
 * incoming ones before they are reported, so that one already shown (its id
 * is stored: a sender retrying after a restart) is acknowledged but not
 * reported again.
 */
export interface Journal {
  /** An own message to be sent: kept until `commit`. */
  sending(message: ChatMessage): void;
  /** An incoming message: false when its id was seen already (it is then not reported as `chat`). */
  received(message: ChatMessage): boolean;
  /** Writes down what was handed over so far; returns when it is durable. */
  commit(): void;
}
