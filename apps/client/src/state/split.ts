/**
 * Splitting a long text into messages that each fit one datagram
 * (MAX_TEXT_BYTES = 790 bytes of UTF-8, PROTOCOL.md), shared by the TUI
 * store and line mode.
 */
import { MAX_TEXT_BYTES, utf8Length } from '@udpchat/protocol';

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const WHITESPACE = /^\s+$/u;

/**
 * `text` cut into parts of at most `maxBytes` bytes of UTF-8 each, in order.
 * Cuts fall on grapheme boundaries (Intl.Segmenter: an emoji sequence or a
 * letter with its accents stays whole), at the last whitespace of a part when
 * it has one; the whitespace at a cut is dropped, so no part starts or ends
 * with it. Only a single grapheme larger than `maxBytes` (thousands of
 * combining marks) is cut between code points. A text that fits comes back
 * as `[text]` unchanged.
 * @param maxBytes most bytes per part (default MAX_TEXT_BYTES = 790); at least 4.
 */
export function splitText(text: string, maxBytes: number = MAX_TEXT_BYTES): string[] {
  if (utf8Length(text) <= maxBytes) return [text];
  const parts: string[] = [];
  let current: string[] = [];
  let bytes = 0;
  /** Index in `current` of the last whitespace grapheme, or -1. */
  let lastSpace = -1;
  const push = (graphemes: string[]) => {
    const part = graphemes.join('').trim();
    if (part) parts.push(part);
  };
  for (const { segment } of graphemeSegmenter.segment(text)) {
    const size = utf8Length(segment);
    if (size > maxBytes) {
      push(current);
      current = [];
      bytes = 0;
      lastSpace = -1;
      parts.push(...splitCodePoints(segment, maxBytes));
      continue;
    }
    while (bytes + size > maxBytes) {
      if (lastSpace > 0) {
        // The rest after the last whitespace holds no whitespace: the next cut (if any) is at the grapheme.
        push(current.slice(0, lastSpace));
        current = current.slice(lastSpace + 1);
      } else {
        push(current);
        current = [];
      }
      bytes = utf8Length(current.join(''));
      lastSpace = -1;
    }
    if (WHITESPACE.test(segment)) lastSpace = current.length;
    current.push(segment);
    bytes += size;
  }
  push(current);
  return parts;
}

/** One oversized grapheme cut between code points into parts of at most `maxBytes`. */
function splitCodePoints(segment: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let part = '';
  for (const cp of segment) {
    if (utf8Length(part + cp) > maxBytes) {
      parts.push(part);
      part = '';
    }
    part += cp;
  }
  if (part) parts.push(part);
  return parts;
}

/**
 * Sends a typed text as `splitText` parts through `sendOne`, in order,
 * stopping at the first part it refuses (false). Both the TUI and line mode
 * send this way.
 * @returns how many parts went out, and how many there were.
 */
export function sendSplit(text: string, sendOne: (part: string) => boolean): { sent: number; parts: number } {
  const parts = splitText(text);
  let sent = 0;
  for (const part of parts) {
    if (!sendOne(part)) break;
    sent++;
  }
  return { sent, parts: parts.length };
}
