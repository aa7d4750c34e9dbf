/**
 * Field layout of every message kind: the single source of truth that
 * `encode`, `decode` and `encodingLength` all walk. Order = wire order.
 */
import { MAX_TEXT_BYTES } from './constants.js';
import type { MessageKind } from './messages.js';

/**
 * Wire types of fields. All integers are unsigned big-endian.
 * - `u8`/`u16`/`u32`: 1/2/4 bytes.
 * - `u64`: 8 bytes; values above Number.MAX_SAFE_INTEGER are refused.
 * - `str8`: 1-byte length, then that many bytes of UTF-8.
 * - `str16`: 2-byte length, then that many bytes of UTF-8.
 * - `id`: a `str8` of 1–64 characters of `A-Za-z0-9_-` (nanoid's alphabet).
 * - `contactKind`: 1 byte, 1 = client, 2 = plain.
 * - `leaveReason`: 1 byte, 1 = bye, 2 = timeout.
 * - `contacts`: 2-byte count, then per entry a `str8` name and a `contactKind`.
 * - `bool`: 1 byte, 0 = false, 1 = true (anything else is refused).
 * - `ranges`: 1-byte count (at most MAX_ACK_RANGES), then per range two `u32`,
 *   first and last sequence number, first <= last.
 * - `token`: TOKEN_BYTES (16) raw bytes, a session token.
 * - `padding`: 2-byte count n, then n zero bytes (any other byte is refused);
 *   the message property is the count, absent when 0.
 */
export type FieldType =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 'str8'
  | 'str16'
  | 'id'
  | 'contactKind'
  | 'leaveReason'
  | 'contacts'
  | 'bool'
  | 'ranges'
  | 'token'
  | 'padding';

/** One field of a message. */
export interface FieldSpec {
  /** Property name in the message object. */
  readonly name: string;
  /** Wire type. */
  readonly type: FieldType;
  /** For strings: largest accepted length in UTF-8 bytes (defaults: str8 255, str16 MAX_DATAGRAM_BYTES). */
  readonly maxBytes?: number;
  /** For strings: whether the empty string is accepted (default true). */
  readonly nonEmpty?: boolean;
}

/** Layout of one message kind. */
export interface KindSpec {
  /** The kind byte (header offset 3). */
  readonly code: number;
  /** Fields in wire order. */
  readonly fields: readonly FieldSpec[];
}

/** Largest name in bytes: 32 code points of up to 4 UTF-8 bytes each. */
export const MAX_NAME_BYTES = 128;
/** Largest id in bytes. */
export const MAX_ID_BYTES = 64;
/** Most selective-ack ranges in one `ack` (in the spirit of QUIC ACK ranges, RFC 9000 §19.3). */
export const MAX_ACK_RANGES = 32;

const NAME: FieldSpec = { name: 'name', type: 'str8', maxBytes: MAX_NAME_BYTES, nonEmpty: true };

/** Layout of every kind. */
export const SCHEMAS: { readonly [K in MessageKind]: KindSpec } = {
  hello: { code: 0x01, fields: [NAME, { name: 'padding', type: 'padding' }] },
  welcome: {
    code: 0x02,
    fields: [
      NAME,
      { name: 'address', type: 'str8', maxBytes: 64, nonEmpty: true },
      { name: 'port', type: 'u16' },
      { name: 'heartbeatIntervalMs', type: 'u32' },
      { name: 'presenceTimeoutMs', type: 'u32' },
      { name: 'token', type: 'token' },
      { name: 'hostedByClient', type: 'bool' },
    ],
  },
  contacts: {
    code: 0x03,
    fields: [
      { name: 'page', type: 'u16' },
      { name: 'pages', type: 'u16' },
      { name: 'contacts', type: 'contacts' },
    ],
  },
  join: { code: 0x04, fields: [NAME, { name: 'type', type: 'contactKind' }] },
  leave: { code: 0x05, fields: [NAME, { name: 'reason', type: 'leaveReason' }] },
  chat: {
    code: 0x06,
    fields: [
      { name: 'id', type: 'id' },
      { name: 'from', type: 'str8', maxBytes: MAX_NAME_BYTES },
      { name: 'to', type: 'str8', maxBytes: MAX_NAME_BYTES, nonEmpty: true },
      { name: 'seq', type: 'u32' },
      { name: 'base', type: 'u32' },
      { name: 'time', type: 'u64' },
      { name: 'text', type: 'str16', maxBytes: MAX_TEXT_BYTES },
    ],
  },
  heartbeat: { code: 0x07, fields: [{ name: 'seq', type: 'u32' }] },
  'heartbeat-ack': { code: 0x08, fields: [{ name: 'seq', type: 'u32' }] },
  bye: { code: 0x09, fields: [{ name: 'reason', type: 'str8' }] },
  error: {
    code: 0x0a,
    fields: [
      { name: 'code', type: 'str8', maxBytes: 64, nonEmpty: true },
      { name: 'message', type: 'str16', maxBytes: 512 },
      { name: 'ref', type: 'str8', maxBytes: MAX_ID_BYTES },
    ],
  },
  'relay-ack': {
    code: 0x0b,
    fields: [
      { name: 'id', type: 'id' },
      { name: 'recipients', type: 'u16' },
    ],
  },
  ack: {
    code: 0x0c,
    fields: [
      { name: 'from', type: 'str8', maxBytes: MAX_NAME_BYTES },
      { name: 'to', type: 'str8', maxBytes: MAX_NAME_BYTES, nonEmpty: true },
      { name: 'group', type: 'bool' },
      { name: 'upTo', type: 'u32' },
      { name: 'ranges', type: 'ranges' },
    ],
  },
  list: { code: 0x0d, fields: [] },
  rename: {
    code: 0x0e,
    fields: [{ name: 'from', type: 'str8', maxBytes: MAX_NAME_BYTES, nonEmpty: true }, NAME],
  },
};

/** Kind by kind byte, for decoding. */
export const KIND_BY_CODE: ReadonlyMap<number, MessageKind> = new Map(
  (Object.keys(SCHEMAS) as MessageKind[]).map((kind) => [SCHEMAS[kind].code, kind]),
);

/** Wire values of `contactKind` and `leaveReason`. */
export const ENUMS = {
  contactKind: ['client', 'plain'],
  leaveReason: ['bye', 'timeout'],
} as const;
