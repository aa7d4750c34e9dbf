/**
 * Stable codes for everything `decode` and `encode` refuse.
 *
 * - `BAD_MAGIC`: the first two bytes are not 0xFF 0x55 (not a protocol datagram; may be plain text).
 * - `BAD_VERSION`: a protocol datagram of a version this module does not speak.
 * - `BAD_FLAGS`: a flag bit set that version 1 reserves.
 * - `UNKNOWN_KIND`: the kind byte names no message.
 * - `TRUNCATED`: a field (or the header) runs past the end of the datagram.
 * - `BAD_FIELD`: a field is present but its value is out of range or mistyped.
 * - `BAD_UTF8`: a string field is not well-formed UTF-8.
 * - `OVERSIZE`: the datagram is (or would be) larger than `MAX_DATAGRAM_BYTES`.
 * - `TRAILING_BYTES`: bytes left over after the last field.
 */
export type ProtocolErrorCode =
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'BAD_FLAGS'
  | 'UNKNOWN_KIND'
  | 'TRUNCATED'
  | 'BAD_FIELD'
  | 'BAD_UTF8'
  | 'OVERSIZE'
  | 'TRAILING_BYTES';

/** Every `ProtocolErrorCode`, for tests and counters. */
export const PROTOCOL_ERROR_CODES: readonly ProtocolErrorCode[] = [
  'BAD_MAGIC',
  'BAD_VERSION',
  'BAD_FLAGS',
  'UNKNOWN_KIND',
  'TRUNCATED',
  'BAD_FIELD',
  'BAD_UTF8',
  'OVERSIZE',
  'TRAILING_BYTES',
];

/**
 * The only error `decode` throws, and the error `encode` throws for a message
 * it cannot represent. `code` is stable; `message` is for humans.
 */
export class ProtocolError extends Error {
  /** Stable machine-readable reason. */
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/** True when `err` is a `ProtocolError` (optionally with the given code). */
export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
