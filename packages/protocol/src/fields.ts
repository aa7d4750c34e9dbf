/**
 * One codec per wire type of a field, in dns-packet's shape: how long a value
 * is on the wire (validating it first: callers may be untyped JavaScript),
 * how to write it, how to read it. Every refusal is a `CodecFailure`
 * (failure.ts): BAD_FIELD for a value out of range or mistyped, TRUNCATED and
 * BAD_UTF8 from the Reader. All integers are unsigned big-endian. The layout
 * of each message kind is a list of these (schema.ts).
 */
import { MAX_DATAGRAM_BYTES, TOKEN_BYTES } from './constants.js';
import { badField } from './failure.js';
import type { ContactKind, LeaveReason, RosterChangeState } from './messages.js';
import type { Reader } from './reader.js';
import { utf8Length } from './utf8.js';
import type { Writer } from './writer.js';

/** Largest name in bytes: 32 code points of up to 4 UTF-8 bytes each. */
export const MAX_NAME_BYTES = 128;
/**
 * Largest id in bytes (ids are 21 characters; 60 leave the room that a
 * chat's `epoch` takes within the 1200-byte datagram, see MAX_TEXT_BYTES).
 */
export const MAX_ID_BYTES = 60;
/** Most selective-ack ranges in one `ack` (in the spirit of QUIC ACK ranges, RFC 9000 §19.3). */
export const MAX_ACK_RANGES = 32;

/**
 * The codec of one wire type, for values of type `T`. Properties, not
 * methods, so that `T` is checked both ways (a codec of `number` is not one of
 * `number | undefined`).
 */
export interface FieldCodec<T> {
  /** Fewest bytes any accepted value takes on the wire. */
  readonly minBytes: number;
  /**
   * Most bytes any accepted value takes on the wire (for `contacts` and
   * `padding`, bounded by their u16 counts, far above a datagram): with
   * `minBytes`, what the worst case of a kind is computed from (PROTOCOL.md §3).
   */
  readonly maxBytes: number;
  /** Validates `value` and returns its size on the wire in bytes; refuses BAD_FIELD (naming `path`, e.g. `chat.seq`). */
  readonly encodingLength: (value: unknown, path: string) => number;
  /** Writes a value that `encodingLength` accepted. */
  readonly encode: (value: T, w: Writer) => void;
  /** Reads one value; refuses TRUNCATED, BAD_UTF8, BAD_FIELD. */
  readonly decode: (r: Reader, path: string) => T;
  /**
   * Checks one value exactly as `decode` does (the same refusals, in the same
   * order) and moves past it without building it: no string is decoded, no
   * object made (the relay's forwarding fast path, scan.ts). A test checks
   * that `skip` and `decode` accept the same bytes and refuse with the same code.
   */
  readonly skip: (r: Reader, path: string) => void;
  /** Bytes of a length prefix before the value's own bytes (`str8` 1, `str16` 2), else 0. */
  readonly prefixBytes: number;
}

type IntWidth = 'u8' | 'u16' | 'u32' | 'u64';

/** `u8`/`u16`/`u32`: 1/2/4 bytes; `u64`: 8 bytes, values above Number.MAX_SAFE_INTEGER refused. */
function uint(width: IntWidth, bytes: number, max: number): FieldCodec<number> {
  return {
    minBytes: bytes,
    maxBytes: bytes,
    encodingLength: (value, path) => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
        badField(path, `must be an integer from 0 to ${max}`);
      }
      return bytes;
    },
    encode: (value, w) => w[width](value),
    decode: (r, path) => r[width](path),
    // u64 refuses values above 2^53 - 1: read it; the others only take their bytes.
    skip: width === 'u64' ? (r, path) => void r.u64(path) : (r, path) => r.skip(bytes, path),
    prefixBytes: 0,
  } satisfies FieldCodec<number>;
}

export const u8 = uint('u8', 1, 0xff);
export const u16 = uint('u16', 2, 0xffff);
export const u32 = uint('u32', 4, 0xffff_ffff);
export const u64 = uint('u64', 8, Number.MAX_SAFE_INTEGER);

/** Content rules of a string field. */
export interface StringRules {
  /** Largest accepted length in UTF-8 bytes (default: str8 255, str16 MAX_DATAGRAM_BYTES). */
  readonly maxBytes?: number;
  /** Whether the empty string is refused (default false). */
  readonly nonEmpty?: boolean;
  /**
   * A pattern the whole string must match, and how to say it does not.
   * `byte`, when given, is the same rule byte by byte (only for a pattern of
   * ASCII characters, one or more, anchored: the string matches exactly when
   * it is not empty and every byte passes), so `skip` checks it without
   * decoding; without it `skip` decodes the string to test it.
   */
  readonly pattern?: { readonly test: RegExp; readonly says: string; readonly byte?: (byte: number) => boolean };
}

/** A string with a 1-byte (`str8`) or 2-byte (`str16`) length prefix, then that many bytes of strict UTF-8. */
function string(prefix: 1 | 2, rules: StringRules): FieldCodec<string> {
  const maxBytes = rules.maxBytes ?? (prefix === 1 ? 0xff : MAX_DATAGRAM_BYTES);
  const check = (text: string, bytes: number, path: string): void => {
    if (bytes > maxBytes) badField(path, `is ${bytes} bytes, above ${maxBytes}`);
    if (rules.nonEmpty && bytes === 0) badField(path, 'is empty');
    if (rules.pattern && !rules.pattern.test.test(text)) badField(path, rules.pattern.says);
  };
  return {
    minBytes: prefix + (rules.nonEmpty ? 1 : 0),
    maxBytes: prefix + maxBytes,
    encodingLength: (value, path) => {
      if (typeof value !== 'string') badField(path, 'must be a string');
      const bytes = utf8Length(value);
      check(value, bytes, path);
      return prefix + bytes;
    },
    encode: (value, w) => w.prefixedUtf8(prefix, value),
    decode: (r, path) => {
      const length = prefix === 1 ? r.u8(`${path}.length`) : r.u16(`${path}.length`);
      const text = r.utf8(length, path);
      check(text, length, path);
      return text;
    },
    skip: (r, path) => {
      const length = prefix === 1 ? r.u8(path) : r.u16(path);
      r.need(length, path);
      const start = r.offset;
      r.skipUtf8(length, path);
      // The checks of `check`, in its order, without the text unless a pattern needs it.
      if (length > maxBytes) badField(path, `is ${length} bytes, above ${maxBytes}`);
      if (rules.nonEmpty && length === 0) badField(path, 'is empty');
      const pattern = rules.pattern;
      if (pattern) {
        r.offset = start;
        const ok = pattern.byte ? length > 0 && r.everyByte(length, pattern.byte) : pattern.test.test(r.utf8(length, path));
        r.offset = start + length;
        if (!ok) badField(path, pattern.says);
      }
    },
    prefixBytes: prefix,
  } satisfies FieldCodec<string>;
}

/** `str8`: 1-byte length, then UTF-8. */
export const str8 = (rules: StringRules = {}): FieldCodec<string> => string(1, rules);
/** `str16`: 2-byte length, then UTF-8. */
export const str16 = (rules: StringRules = {}): FieldCodec<string> => string(2, rules);

/** Whether `byte` is one of `A-Z a-z 0-9 _ -` (the id alphabet, byte by byte). */
export function isIdByte(byte: number): boolean {
  return (
    (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2d
  );
}

/** `id`: a `str8` of 1–60 characters of `A-Za-z0-9_-` (nanoid's alphabet). */
export const id = str8({
  maxBytes: MAX_ID_BYTES,
  nonEmpty: true,
  pattern: { test: /^[A-Za-z0-9_-]+$/, says: 'has characters outside A-Za-z0-9_-', byte: isIdByte },
});

/** A contact name: a `str8` of 1–128 bytes (the name rules themselves are the relay's, names.ts). */
export const name = str8({ maxBytes: MAX_NAME_BYTES, nonEmpty: true });

/** An enumeration as 1 byte: `values[0]` = 1, `values[1]` = 2, … (0 and the rest refused). */
function enumByte<T extends string>(values: readonly T[]): FieldCodec<T> {
  const one = `must be one of ${values.join(', ')}`;
  return {
    minBytes: 1,
    maxBytes: 1,
    encodingLength: (value, path) => {
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) badField(path, one);
      return 1;
    },
    encode: (value, w) => w.u8(values.indexOf(value) + 1),
    decode: (r, path) => {
      const code = r.u8(path);
      const value = values[code - 1];
      if (value === undefined) badField(path, `has unknown value ${code}`);
      return value;
    },
    skip: (r, path) => {
      const code = r.u8(path);
      if (code < 1 || code > values.length) badField(path, `has unknown value ${code}`);
    },
    prefixBytes: 0,
  } satisfies FieldCodec<T>;
}

/** `contactKind`: 1 = client, 2 = plain. */
export const contactKind = enumByte<ContactKind>(['client', 'plain']);
/** `leaveReason`: 1 = bye, 2 = timeout. */
export const leaveReason = enumByte<LeaveReason>(['bye', 'timeout']);

/** `rosterState`: 1 = online client, 2 = online plain peer, 3 = left (bye), 4 = left (timeout). */
export const rosterState = enumByte<RosterChangeState>(['client', 'plain', 'left-bye', 'left-timeout']);

/** `bool`: 1 byte, 0 = false, 1 = true (anything else refused). */
export const bool = {
  minBytes: 1,
  maxBytes: 1,
  encodingLength: (value, path) => {
    if (typeof value !== 'boolean') badField(path, 'must be a boolean');
    return 1;
  },
  encode: (value, w) => w.u8(value ? 1 : 0),
  decode: (r, path) => {
    const byte = r.u8(path);
    if (byte > 1) badField(path, `has ${byte}, not 0 or 1`);
    return byte === 1;
  },
  skip: (r, path) => {
    const byte = r.u8(path);
    if (byte > 1) badField(path, `has ${byte}, not 0 or 1`);
  },
  prefixBytes: 0,
} satisfies FieldCodec<boolean>;

/** `bytes(n)`: exactly `n` raw bytes (a token, a key, a signature, a challenge); decoded as a view into the datagram. */
export function fixedBytes(n: number): FieldCodec<Uint8Array> {
  return {
    minBytes: n,
    maxBytes: n,
    encodingLength: (value, path) => {
      if (!(value instanceof Uint8Array) || value.length !== n) badField(path, `must be a Uint8Array of ${n} bytes`);
      return n;
    },
    encode: (value, w) => w.raw(value),
    decode: (r, path) => r.view8(n, path),
    skip: (r, path) => r.skip(n, path),
    prefixBytes: 0,
  } satisfies FieldCodec<Uint8Array>;
}

/** `token`: TOKEN_BYTES (16) raw bytes, a session token; decoded as a view into the datagram. */
export const token = fixedBytes(TOKEN_BYTES);
