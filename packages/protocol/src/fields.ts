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
import type { ContactEntry, ContactKind, LeaveReason, RosterChange, RosterChangeState } from './messages.js';
import { type ErrorCode, type UnknownErrorCode, asErrorCode } from './codes.js';
import type { Reader } from './reader.js';
import { utf8Length } from './utf8.js';
import type { Writer } from './writer.js';

/** Largest name in bytes: 32 code points of up to 4 UTF-8 bytes each. */
export const MAX_NAME_BYTES = 128;
/** Largest id in bytes. */
export const MAX_ID_BYTES = 64;
/** Most selective-ack ranges in one `ack` (in the spirit of QUIC ACK ranges, RFC 9000 §19.3). */
export const MAX_ACK_RANGES = 32;

/**
 * The codec of one wire type, for values of type `T`. Properties, not
 * methods, so that `T` is checked both ways (a codec of `number` is not one of
 * `number | undefined`).
 */
export interface FieldCodec<T> {
  /** Validates `value` and returns its size on the wire in bytes; refuses BAD_FIELD (naming `path`, e.g. `chat.seq`). */
  readonly encodingLength: (value: unknown, path: string) => number;
  /** Writes a value that `encodingLength` accepted. */
  readonly encode: (value: T, w: Writer) => void;
  /** Reads one value; refuses TRUNCATED, BAD_UTF8, BAD_FIELD. */
  readonly decode: (r: Reader, path: string) => T;
}

type IntWidth = 'u8' | 'u16' | 'u32' | 'u64';

/** `u8`/`u16`/`u32`: 1/2/4 bytes; `u64`: 8 bytes, values above Number.MAX_SAFE_INTEGER refused. */
function uint(width: IntWidth, bytes: number, max: number): FieldCodec<number> {
  return {
    encodingLength: (value, path) => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
        badField(path, `must be an integer from 0 to ${max}`);
      }
      return bytes;
    },
    encode: (value, w) => w[width](value),
    decode: (r, path) => r[width](path),
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
  /** A pattern the whole string must match, and how to say it does not. */
  readonly pattern?: { readonly test: RegExp; readonly says: string };
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
    encodingLength: (value, path) => {
      if (typeof value !== 'string') badField(path, 'must be a string');
      const bytes = utf8Length(value);
      check(value, bytes, path);
      return prefix + bytes;
    },
    encode: (value, w) => {
      const bytes = utf8Length(value);
      if (prefix === 1) w.u8(bytes);
      else w.u16(bytes);
      w.utf8(value);
    },
    decode: (r, path) => {
      const length = prefix === 1 ? r.u8(`${path}.length`) : r.u16(`${path}.length`);
      const text = r.utf8(length, path);
      check(text, length, path);
      return text;
    },
  } satisfies FieldCodec<string>;
}

/** `str8`: 1-byte length, then UTF-8. */
export const str8 = (rules: StringRules = {}): FieldCodec<string> => string(1, rules);
/** `str16`: 2-byte length, then UTF-8. */
export const str16 = (rules: StringRules = {}): FieldCodec<string> => string(2, rules);

/** `id`: a `str8` of 1–64 characters of `A-Za-z0-9_-` (nanoid's alphabet). */
export const id = str8({ maxBytes: MAX_ID_BYTES, nonEmpty: true, pattern: { test: /^[A-Za-z0-9_-]+$/, says: 'has characters outside A-Za-z0-9_-' } });

/** A contact name: a `str8` of 1–128 bytes (the name rules themselves are the relay's, names.ts). */
export const name = str8({ maxBytes: MAX_NAME_BYTES, nonEmpty: true });

/** An enumeration as 1 byte: `values[0]` = 1, `values[1]` = 2, … (0 and the rest refused). */
function enumByte<T extends string>(values: readonly T[]): FieldCodec<T> {
  const one = `must be one of ${values.join(', ')}`;
  return {
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
} satisfies FieldCodec<boolean>;

/** `ranges`: 1-byte count (at most MAX_ACK_RANGES), then per range two `u32`, first and last, first <= last. */
export const ranges = {
  encodingLength: (value, path) => {
    if (!Array.isArray(value) || value.length > MAX_ACK_RANGES) badField(path, `must be an array of at most ${MAX_ACK_RANGES} ranges`);
    for (let i = 0; i < value.length; i++) {
      const range = value[i] as unknown;
      if (!Array.isArray(range) || range.length !== 2) badField(`${path}[${i}]`, 'must be a [first, last] pair');
      u32.encodingLength(range[0], `${path}[${i}][0]`);
      u32.encodingLength(range[1], `${path}[${i}][1]`);
      if ((range[0] as number) > (range[1] as number)) badField(`${path}[${i}]`, 'has first > last');
    }
    return 1 + value.length * 8;
  },
  encode: (value, w) => {
    w.u8(value.length);
    for (const [first, last] of value) {
      w.u32(first);
      w.u32(last);
    }
  },
  decode: (r, path) => {
    const count = r.u8(`${path}.count`);
    if (count > MAX_ACK_RANGES) badField(path, `has ${count} ranges, above ${MAX_ACK_RANGES}`);
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) {
      const first = r.u32(`${path}[${i}][0]`);
      const last = r.u32(`${path}[${i}][1]`);
      if (first > last) badField(`${path}[${i}]`, 'has first > last');
      out.push([first, last]);
    }
    return out;
  },
} satisfies FieldCodec<Array<[number, number]>>;

/** `token`: TOKEN_BYTES (16) raw bytes, a session token; decoded as a view into the datagram. */
export const token = {
  encodingLength: (value, path) => {
    if (!(value instanceof Uint8Array) || value.length !== TOKEN_BYTES) badField(path, `must be a Uint8Array of ${TOKEN_BYTES} bytes`);
    return TOKEN_BYTES;
  },
  encode: (value, w) => w.raw(value),
  decode: (r, path) => r.view8(TOKEN_BYTES, path),
} satisfies FieldCodec<Uint8Array>;

/** `padding`: 2-byte count n, then n zero bytes (any other byte refused); the value is the count, undefined when 0. */
export const padding = {
  encodingLength: (value, path) => {
    if (value === undefined) return 2;
    u16.encodingLength(value, path); // validates the count (0–65535)
    return 2 + (value as number);
  },
  encode: (value, w) => {
    const n = value ?? 0;
    w.u16(n);
    w.zeros(n);
  },
  decode: (r, path) => {
    const n = r.u16(`${path}.length`);
    const zeros = r.view8(n, path);
    if (zeros.some((b) => b !== 0)) badField(path, 'has a byte other than 0');
    return n === 0 ? undefined : n;
  },
} satisfies FieldCodec<number | undefined>;

/** `contacts`: 2-byte count, then per entry a `name` and a `contactKind`. */
export const contacts = {
  encodingLength: (value, path) => {
    if (!Array.isArray(value) || value.length > 0xffff) badField(path, 'must be an array of at most 65535 entries');
    let total = 2;
    // A plain loop, not forEach: forEach skips the holes of a sparse array.
    for (let i = 0; i < value.length; i++) {
      const entry = (value[i] ?? {}) as Partial<Record<keyof ContactEntry, unknown>>;
      total += name.encodingLength(entry.name, `${path}[${i}].name`);
      total += contactKind.encodingLength(entry.type, `${path}[${i}].type`);
    }
    return total;
  },
  encode: (value, w) => {
    w.u16(value.length);
    for (const entry of value) {
      name.encode(entry.name, w);
      contactKind.encode(entry.type, w);
    }
  },
  decode: (r, path) => {
    const count = r.u16(`${path}.count`);
    // Each entry takes at least 3 bytes: refuse impossible counts before looping.
    r.need(count * 3, path);
    const out: ContactEntry[] = [];
    for (let i = 0; i < count; i++) {
      out.push({ name: name.decode(r, `${path}[${i}].name`), type: contactKind.decode(r, `${path}[${i}].type`) });
    }
    return out;
  },
} satisfies FieldCodec<ContactEntry[]>;

/** `changes`: 2-byte count, then per change a `name` and a `rosterState` (the layout of `contacts`, another enum). */
export const changes = {
  encodingLength: (value, path) => {
    if (!Array.isArray(value) || value.length > 0xffff) badField(path, 'must be an array of at most 65535 entries');
    let total = 2;
    for (let i = 0; i < value.length; i++) {
      const entry = (value[i] ?? {}) as Partial<Record<keyof RosterChange, unknown>>;
      total += name.encodingLength(entry.name, `${path}[${i}].name`);
      total += rosterState.encodingLength(entry.state, `${path}[${i}].state`);
    }
    return total;
  },
  encode: (value, w) => {
    w.u16(value.length);
    for (const entry of value) {
      name.encode(entry.name, w);
      rosterState.encode(entry.state, w);
    }
  },
  decode: (r, path) => {
    const count = r.u16(`${path}.count`);
    // Each entry takes at least 3 bytes: refuse impossible counts before looping.
    r.need(count * 3, path);
    const out: RosterChange[] = [];
    for (let i = 0; i < count; i++) {
      out.push({ name: name.decode(r, `${path}[${i}].name`), state: rosterState.decode(r, `${path}[${i}].state`) });
    }
    return out;
  },
} satisfies FieldCodec<RosterChange[]>;

const errorCodeText = str8({ maxBytes: 64, nonEmpty: true });

/**
 * An `error`'s code: a `str8` of 1–64 bytes. Encoding takes any such string
 * (the relay passes ERROR_CODES); decoding gives the code as an `ErrorCode`
 * when it is one and as an `UnknownErrorCode` otherwise (a newer relay's
 * code still decodes: clients show its message).
 */
export const errorCode = {
  encodingLength: errorCodeText.encodingLength,
  encode: errorCodeText.encode,
  decode: (r, path) => asErrorCode(errorCodeText.decode(r, path)),
} satisfies FieldCodec<ErrorCode | UnknownErrorCode>;
