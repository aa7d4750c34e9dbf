/**
 * Messages the relay builds: error replies that always fit their field limits,
 * and the contact list cut into pages that each fit one datagram.
 */
import {
  encodingLength,
  MAX_DATAGRAM_BYTES,
  utf8Length,
  type ContactEntry,
  type ContactsMessage,
  type ErrorCode,
  type ErrorMessage,
  type RosterVersion,
} from '@udpchat/protocol';

/** Largest `error.message`, in UTF-8 bytes (the protocol's limit). */
export const MAX_ERROR_MESSAGE_BYTES = 512;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const ELLIPSIS = '…';

/**
 * `text` unchanged when it takes at most `maxBytes` bytes of UTF-8, else its
 * longest prefix that fits in `maxBytes` with `…` (3 bytes) appended.
 * The cut is at a grapheme cluster boundary (never inside a UTF-8 sequence,
 * a surrogate pair, an emoji sequence or a letter with its combining marks);
 * only when not even the first grapheme fits (one cluster of hundreds of
 * marks) is that cluster cut at a code point boundary instead.
 * @param maxBytes at least 3 (room for the `…`).
 * @throws RangeError when `maxBytes` < 3 and `text` does not fit.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  const ellipsisBytes = utf8Length(ELLIPSIS);
  if (maxBytes < ellipsisBytes) throw new RangeError(`cannot cut text to ${maxBytes} bytes (less than the ${ellipsisBytes} of "…")`);
  const budget = maxBytes - ellipsisBytes;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const n = utf8Length(segment);
    if (used + n > budget) {
      if (out === '') out = codePointPrefix(segment, budget);
      break;
    }
    out += segment;
    used += n;
  }
  return out + ELLIPSIS;
}

/** The longest prefix of `text`, whole code points only, of at most `maxBytes` bytes of UTF-8. */
function codePointPrefix(text: string, maxBytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = utf8Length(ch);
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * An `error` message. `message` is cut to 512 bytes so that text derived
 * from client input (a long name, JSON-escaped) can never make it unencodable.
 * @param ref the chat id answered, or '' when none.
 */
export function errorReply(code: ErrorCode, message: string, ref = ''): ErrorMessage {
  return { kind: 'error', code, message: truncateUtf8(message, MAX_ERROR_MESSAGE_BYTES), ref };
}

/** Bytes one entry adds to a `contacts` datagram: name length byte + name + kind byte. */
function entryBytes(entry: ContactEntry): number {
  return 1 + utf8Length(entry.name) + 1;
}

/**
 * Cuts `entries` into `contacts` pages at roster version `at`, in order, each
 * of whose encoding is at most `maxBytes` (default MAX_DATAGRAM_BYTES = 1200) bytes. Always at
 * least one page (an empty one when there are no entries). Every entry name
 * must be a valid registered name (at most 128 bytes), so every entry fits.
 * @throws RangeError when one entry alone cannot fit in `maxBytes` (never for valid names).
 */
export function contactPages(
  entries: readonly ContactEntry[],
  maxBytes: number = MAX_DATAGRAM_BYTES,
  at: RosterVersion = { epoch: 1, version: 0 },
): ContactsMessage[] {
  const { epoch, version } = at;
  const emptyBytes = encodingLength({ kind: 'contacts', epoch, version, page: 0, pages: 1, contacts: [] });
  const groups: ContactEntry[][] = [[]];
  let used = emptyBytes;
  for (const entry of entries) {
    const size = entryBytes(entry);
    if (emptyBytes + size > maxBytes) throw new RangeError(`contact ${JSON.stringify(entry.name)} does not fit in ${maxBytes} bytes`);
    let current = groups[groups.length - 1] as ContactEntry[];
    if (used + size > maxBytes) {
      current = [];
      groups.push(current);
      used = emptyBytes;
    }
    current.push({ name: entry.name, type: entry.type });
    used += size;
  }
  return groups.map((contacts, page) => ({ kind: 'contacts', epoch, version, page, pages: groups.length, contacts }));
}
