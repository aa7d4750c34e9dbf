/**
 * The input line's byte counter: a message travels in one datagram, so its
 * text is limited to MAX_TEXT_BYTES (790) bytes of UTF-8 (PROTOCOL.md). The
 * counter appears as the text nears the limit and turns to the warning
 * colour above it, before the send is refused.
 */
import { MAX_TEXT_BYTES, utf8Length } from '@udpchat/protocol';
import { parseInput } from '../state/commands.js';

/** Bytes from which the counter is shown. */
export const COUNTER_FROM_BYTES = 600;

/** What the counter shows. */
export interface ByteCount {
  /** Bytes of UTF-8 of the longest message the input would send. */
  bytes: number;
  /** The limit (MAX_TEXT_BYTES). */
  limit: number;
  /** True above the limit: the store will refuse it. */
  over: boolean;
  /** `712/790 B`. */
  label: string;
}

/** Bytes of the message text one input line sends (`@bob hi` sends `hi`); 0 for commands. */
export function messageBytes(line: string): number {
  const command = parseInput(line);
  return command.type === 'say' || command.type === 'direct' ? utf8Length(command.text) : 0;
}

/**
 * The counter for the editor's text (each line of a multi-line input is its
 * own message: the longest counts), or null below COUNTER_FROM_BYTES.
 */
export function byteCount(text: string): ByteCount | null {
  const bytes = Math.max(0, ...text.split('\n').map(messageBytes));
  if (bytes < COUNTER_FROM_BYTES) return null;
  return { bytes, limit: MAX_TEXT_BYTES, over: bytes > MAX_TEXT_BYTES, label: `${bytes}/${MAX_TEXT_BYTES} B` };
}
