/**
 * A `contacts` page (PROTOCOL.md §4.3) read for what a version-only core
 * of the presence crowd uses — epoch, version, page, pages, and the auth
 * trailer — without decoding its names (crowd.ts: such a core keeps none).
 * The full cores decode the same pages whole with `decodeDatagram`.
 */
import { FLAG_AUTH, FLAG_TOKEN, HEADER_BYTES, type AuthTrailer, type Datagram } from '@udpchat/protocol';

/** The kind code of `contacts` (offset 3 of the header). */
export const CONTACTS_CODE = 0x03;

const TRAILER_BYTES = 48;
const TAG_BYTES = 32;

/**
 * The page's header fields, `contacts` left empty.
 * @throws RangeError when the datagram is too short for them.
 */
export function contactsHeader(bytes: Buffer): Datagram {
  const flags = bytes[4] as number;
  const at = HEADER_BYTES + (flags & FLAG_TOKEN ? 16 : 0);
  const auth = (flags & FLAG_AUTH) !== 0;
  if (bytes.length < at + 12 + (auth ? TRAILER_BYTES : 0)) throw new RangeError('contacts page too short');
  const message = { kind: 'contacts' as const, epoch: bytes.readUInt32BE(at), version: bytes.readUInt32BE(at + 4), page: bytes.readUInt16BE(at + 8), pages: bytes.readUInt16BE(at + 10), contacts: [] };
  if (!auth) return { message, token: undefined, auth: undefined };
  const t = bytes.length - TRAILER_BYTES;
  const trailer: AuthTrailer = {
    time: bytes.readUInt32BE(t) * 0x1_0000_0000 + bytes.readUInt32BE(t + 4),
    nonce: bytes.subarray(t + 8, t + 16),
    tag: bytes.subarray(bytes.length - TAG_BYTES),
    signedLength: bytes.length - TAG_BYTES,
  };
  return { message, token: undefined, auth: trailer };
}
