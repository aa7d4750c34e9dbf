/**
 * The compound field codecs of the wire format (PROTOCOL.md §2): ack ranges,
 * hello padding, contact lists, roster changes and error codes, built on the primitive codecs
 * of fields.ts, each `{ minBytes, maxBytes, encodingLength, encode, decode, skip }`.
 */
import { badField } from './failure.js';
import type { ContactEntry, RosterChange } from './messages.js';
import { type ErrorCode, type UnknownErrorCode, asErrorCode } from './codes.js';
import { contactKind, MAX_ACK_RANGES, MAX_NAME_BYTES, name, rosterState, str8, u16, u32, type FieldCodec } from './fields.js';

/** `ranges`: 1-byte count (at most MAX_ACK_RANGES), then per range two `u32`, first and last, first <= last. */
export const ranges = {
  minBytes: 1,
  maxBytes: 1 + MAX_ACK_RANGES * 8,
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
  skip: (r, path) => {
    const count = r.u8(path);
    if (count > MAX_ACK_RANGES) badField(path, `has ${count} ranges, above ${MAX_ACK_RANGES}`);
    for (let i = 0; i < count; i++) {
      const first = r.u32(path);
      const last = r.u32(path);
      if (first > last) badField(`${path}[${i}]`, 'has first > last');
    }
  },
  prefixBytes: 0,
} satisfies FieldCodec<Array<[number, number]>>;

/** `padding`: 2-byte count n, then n zero bytes (any other byte refused); the value is the count, undefined when 0. */
export const padding = {
  minBytes: 2,
  maxBytes: 2 + 0xffff,
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
  skip: (r, path) => {
    const n = r.u16(path);
    r.need(n, path);
    const zero = r.everyByte(n, (b) => b === 0);
    r.offset += n;
    if (!zero) badField(path, 'has a byte other than 0');
  },
  prefixBytes: 0,
} satisfies FieldCodec<number | undefined>;

/**
 * A list of named entries: 2-byte count, then per entry a `name` and a
 * one-byte enumeration under the property `key` (the layout of `contacts`
 * and of `changes`). Each entry takes at least 3 bytes, so an impossible
 * count is refused before looping.
 */
function namedEntries<K extends string, V>(key: K, value: FieldCodec<V>): FieldCodec<Array<{ name: string } & Record<K, V>>> {
  type Entry = { name: string } & Record<K, V>;
  return {
    minBytes: 2,
    maxBytes: 2 + 0xffff * (name.maxBytes + value.maxBytes),
    encodingLength: (list, path) => {
      if (!Array.isArray(list) || list.length > 0xffff) badField(path, 'must be an array of at most 65535 entries');
      let total = 2;
      // A plain loop, not forEach: forEach skips the holes of a sparse array.
      for (let i = 0; i < list.length; i++) {
        const entry = (list[i] ?? {}) as Partial<Record<string, unknown>>;
        total += name.encodingLength(entry.name, `${path}[${i}].name`);
        total += value.encodingLength(entry[key], `${path}[${i}].${key}`);
      }
      return total;
    },
    encode: (list, w) => {
      w.u16(list.length);
      for (const entry of list) {
        name.encode(entry.name, w);
        value.encode(entry[key], w);
      }
    },
    decode: (r, path) => {
      const count = r.u16(`${path}.count`);
      r.need(count * 3, path);
      const out: Entry[] = [];
      for (let i = 0; i < count; i++) {
        const entryName = name.decode(r, `${path}[${i}].name`);
        out.push({ name: entryName, [key]: value.decode(r, `${path}[${i}].${key}`) } as Entry);
      }
      return out;
    },
    skip: (r, path) => {
      const count = r.u16(path);
      r.need(count * 3, path);
      for (let i = 0; i < count; i++) {
        name.skip(r, path);
        value.skip(r, path);
      }
    },
    prefixBytes: 0,
  };
}

/** `contacts`: 2-byte count, then per entry a `name` and a `contactKind`. */
export const contacts = namedEntries('type', contactKind) satisfies FieldCodec<ContactEntry[]>;

/** `changes`: 2-byte count, then per change a `name` and a `rosterState` (the layout of `contacts`, another enum). */
export const changes = namedEntries('state', rosterState) satisfies FieldCodec<RosterChange[]>;

const errorCodeText = str8({ maxBytes: 64, nonEmpty: true });

/**
 * An `error`'s code: a `str8` of 1–64 bytes. Encoding takes any such string
 * (the relay passes ERROR_CODES); decoding gives the code as an `ErrorCode`
 * when it is one and as an `UnknownErrorCode` otherwise (a newer relay's
 * code still decodes: clients show its message).
 */
export const errorCode = {
  minBytes: errorCodeText.minBytes,
  maxBytes: errorCodeText.maxBytes,
  encodingLength: errorCodeText.encodingLength,
  encode: errorCodeText.encode,
  decode: (r, path) => asErrorCode(errorCodeText.decode(r, path)),
  skip: errorCodeText.skip,
  prefixBytes: errorCodeText.prefixBytes,
} satisfies FieldCodec<ErrorCode | UnknownErrorCode>;
