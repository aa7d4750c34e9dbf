/**
 * encode / decode / encodingLength: pure functions over one datagram each,
 * in the style of dns-packet. Layout: PROTOCOL.md; field table: schema.ts.
 */
import { type AuthKey, type AuthTrailer, computeTag, randomNonce } from './auth.js';
import {
  AUTH_TRAILER_BYTES,
  FLAG_AUTH,
  FLAG_TOKEN,
  HEADER_BYTES,
  HELLO_MIN_BYTES,
  KNOWN_FLAGS,
  MAGIC_0,
  MAGIC_1,
  MAX_DATAGRAM_BYTES,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  TAG_BYTES,
  TOKEN_BYTES,
} from './constants.js';
import { ProtocolError } from './errors.js';
import type { HelloMessage, Message, MessageKind } from './messages.js';
import { Reader } from './reader.js';
import { ENUMS, type FieldSpec, KIND_BY_CODE, MAX_ACK_RANGES, MAX_ID_BYTES, SCHEMAS } from './schema.js';
import { utf8Length } from './utf8.js';
import { Writer } from './writer.js';

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
const INT_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffff_ffff, u64: Number.MAX_SAFE_INTEGER } as const;

type Fields = Record<string, unknown>;

function bad(path: string, why: string): ProtocolError {
  return new ProtocolError('BAD_FIELD', `field ${path} ${why}`);
}

function maxBytesOf(spec: FieldSpec): number {
  if (spec.maxBytes !== undefined) return spec.maxBytes;
  if (spec.type === 'id') return MAX_ID_BYTES;
  return spec.type === 'str8' ? 0xff : MAX_DATAGRAM_BYTES;
}

/** Checks a string field's content rules; `bytes` is its UTF-8 length. */
function checkString(spec: FieldSpec, text: string, bytes: number, path: string): void {
  if (bytes > maxBytesOf(spec)) throw bad(path, `is ${bytes} bytes, above ${maxBytesOf(spec)}`);
  if ((spec.nonEmpty || spec.type === 'id') && bytes === 0) throw bad(path, 'is empty');
  if (spec.type === 'id' && !ID_PATTERN.test(text)) throw bad(path, 'has characters outside A-Za-z0-9_-');
}

function enumValues(spec: FieldSpec): readonly string[] {
  return spec.type === 'contactKind' ? ENUMS.contactKind : ENUMS.leaveReason;
}

/** Validates one field value and returns its size on the wire in bytes. */
function fieldLength(spec: FieldSpec, value: unknown, path: string): number {
  switch (spec.type) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT_MAX[spec.type]) {
        throw bad(path, `must be an integer from 0 to ${INT_MAX[spec.type]}`);
      }
      return { u8: 1, u16: 2, u32: 4, u64: 8 }[spec.type];
    }
    case 'str8':
    case 'str16':
    case 'id': {
      if (typeof value !== 'string') throw bad(path, 'must be a string');
      const bytes = utf8Length(value);
      checkString(spec, value, bytes, path);
      return (spec.type === 'str16' ? 2 : 1) + bytes;
    }
    case 'contactKind':
    case 'leaveReason': {
      if (typeof value !== 'string' || !enumValues(spec).includes(value)) {
        throw bad(path, `must be one of ${enumValues(spec).join(', ')}`);
      }
      return 1;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw bad(path, 'must be a boolean');
      return 1;
    case 'ranges': {
      if (!Array.isArray(value) || value.length > MAX_ACK_RANGES) {
        throw bad(path, `must be an array of at most ${MAX_ACK_RANGES} ranges`);
      }
      for (let i = 0; i < value.length; i++) {
        const r = value[i] as unknown;
        if (!Array.isArray(r) || r.length !== 2) throw bad(`${path}[${i}]`, 'must be a [first, last] pair');
        fieldLength(U32, r[0], `${path}[${i}][0]`);
        fieldLength(U32, r[1], `${path}[${i}][1]`);
        if ((r[0] as number) > (r[1] as number)) throw bad(`${path}[${i}]`, 'has first > last');
      }
      return 1 + value.length * 8;
    }
    case 'token':
      if (!(value instanceof Uint8Array) || value.length !== TOKEN_BYTES) {
        throw bad(path, `must be a Uint8Array of ${TOKEN_BYTES} bytes`);
      }
      return TOKEN_BYTES;
    case 'padding':
      if (value === undefined) return 2;
      fieldLength(U16, value, path); // validates the count (0–65535)
      return 2 + (value as number);
    case 'contacts': {
      if (!Array.isArray(value) || value.length > 0xffff) throw bad(path, 'must be an array of at most 65535 entries');
      let total = 2;
      // A plain loop, not forEach: forEach skips the holes of a sparse array.
      for (let i = 0; i < value.length; i++) {
        const e = (value[i] ?? {}) as Fields;
        total += fieldLength(ENTRY_NAME, e.name, `${path}[${i}].name`);
        total += fieldLength(ENTRY_TYPE, e.type, `${path}[${i}].type`);
      }
      return total;
    }
  }
}

const U16: FieldSpec = { name: 'u16', type: 'u16' };
const U32: FieldSpec = { name: 'u32', type: 'u32' };
const ENTRY_NAME: FieldSpec = { name: 'name', type: 'str8', maxBytes: 128, nonEmpty: true };
const ENTRY_TYPE: FieldSpec = { name: 'type', type: 'contactKind' };

function writeField(w: Writer, spec: FieldSpec, value: unknown): void {
  switch (spec.type) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
      w[spec.type](value as number);
      return;
    case 'str8':
    case 'id':
      w.u8(utf8Length(value as string));
      w.utf8(value as string);
      return;
    case 'str16':
      w.u16(utf8Length(value as string));
      w.utf8(value as string);
      return;
    case 'contactKind':
    case 'leaveReason':
      w.u8(enumValues(spec).indexOf(value as string) + 1);
      return;
    case 'bool':
      w.u8(value ? 1 : 0);
      return;
    case 'ranges': {
      const ranges = value as Array<[number, number]>;
      w.u8(ranges.length);
      for (const [first, last] of ranges) {
        w.u32(first);
        w.u32(last);
      }
      return;
    }
    case 'token':
      w.raw(value as Uint8Array);
      return;
    case 'padding': {
      const n = (value as number | undefined) ?? 0;
      w.u16(n);
      w.zeros(n);
      return;
    }
    case 'contacts': {
      const entries = value as Fields[];
      w.u16(entries.length);
      for (const e of entries) {
        writeField(w, ENTRY_NAME, e.name);
        writeField(w, ENTRY_TYPE, e.type);
      }
      return;
    }
  }
}

function readField(r: Reader, spec: FieldSpec, path: string): unknown {
  switch (spec.type) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
      return r[spec.type](path);
    case 'str8':
    case 'str16':
    case 'id': {
      const length = spec.type === 'str16' ? r.u16(`${path}.length`) : r.u8(`${path}.length`);
      const text = r.utf8(length, path);
      checkString(spec, text, length, path);
      return text;
    }
    case 'contactKind':
    case 'leaveReason': {
      const code = r.u8(path);
      const value = enumValues(spec)[code - 1];
      if (value === undefined) throw bad(path, `has unknown value ${code}`);
      return value;
    }
    case 'bool': {
      const byte = r.u8(path);
      if (byte > 1) throw bad(path, `has ${byte}, not 0 or 1`);
      return byte === 1;
    }
    case 'ranges': {
      const count = r.u8(`${path}.count`);
      if (count > MAX_ACK_RANGES) throw bad(path, `has ${count} ranges, above ${MAX_ACK_RANGES}`);
      const ranges: Array<[number, number]> = [];
      for (let i = 0; i < count; i++) {
        const first = r.u32(`${path}[${i}][0]`);
        const last = r.u32(`${path}[${i}][1]`);
        if (first > last) throw bad(`${path}[${i}]`, 'has first > last');
        ranges.push([first, last]);
      }
      return ranges;
    }
    case 'token':
      return r.view8(TOKEN_BYTES, path);
    case 'padding': {
      const n = r.u16(`${path}.length`);
      const zeros = r.view8(n, path);
      if (zeros.some((b) => b !== 0)) throw bad(path, 'has a byte other than 0');
      return n === 0 ? undefined : n;
    }
    case 'contacts': {
      const count = r.u16(`${path}.count`);
      // Each entry takes at least 3 bytes: refuse impossible counts before looping.
      r.need(count * 3, path);
      const entries = [];
      for (let i = 0; i < count; i++) {
        entries.push({
          name: readField(r, ENTRY_NAME, `${path}[${i}].name`),
          type: readField(r, ENTRY_TYPE, `${path}[${i}].type`),
        });
      }
      return entries;
    }
  }
}

function specOf(message: Message) {
  const kind: unknown = message?.kind;
  // Own keys only: `toString`, `constructor`… are not kinds.
  const spec = typeof kind === 'string' && Object.hasOwn(SCHEMAS, kind) ? SCHEMAS[kind as MessageKind] : undefined;
  if (!spec) throw new ProtocolError('UNKNOWN_KIND', `unknown message kind ${JSON.stringify(message?.kind)}`);
  return spec;
}

/**
 * What goes around a message in its datagram (PROTOCOL.md §3): a session token
 * after the header (FLAG_TOKEN) and an auth trailer at the end (FLAG_AUTH).
 */
export interface EncodeOptions {
  /** Session token to carry, TOKEN_BYTES (16) bytes; sets FLAG_TOKEN. */
  token?: Uint8Array | undefined;
  /** Shared secret to sign with; sets FLAG_AUTH and appends time, nonce and HMAC-SHA256 tag. */
  auth?: AuthKey | undefined;
  /** Time of the auth trailer, ms since the Unix epoch (default: `Date.now()`). */
  time?: number;
  /** Nonce of the auth trailer, NONCE_BYTES (8) bytes (default: random). */
  nonce?: Uint8Array;
}

/** A decoded datagram: the message and what came around it. */
export interface Datagram {
  /** The message. */
  message: Message;
  /** The session token (FLAG_TOKEN), a 16-byte view into the datagram, or undefined. */
  token: Uint8Array | undefined;
  /** The auth trailer (FLAG_AUTH), or undefined. Not verified here: see `verifyAuth`. */
  auth: AuthTrailer | undefined;
}

function envelopeLength(options: EncodeOptions | undefined): number {
  if (options === undefined) return 0;
  if (options.token !== undefined && !(options.token instanceof Uint8Array && options.token.length === TOKEN_BYTES)) {
    throw bad('envelope.token', `must be a Uint8Array of ${TOKEN_BYTES} bytes`);
  }
  if (options.nonce !== undefined && !(options.nonce instanceof Uint8Array && options.nonce.length === NONCE_BYTES)) {
    throw bad('envelope.nonce', `must be a Uint8Array of ${NONCE_BYTES} bytes`);
  }
  if (options.time !== undefined) fieldLength({ name: 'time', type: 'u64' }, options.time, 'envelope.time');
  return (options.token ? TOKEN_BYTES : 0) + (options.auth ? AUTH_TRAILER_BYTES : 0);
}

/**
 * Size in bytes of `message` on the wire (header, token and auth trailer included), without encoding it.
 * @throws ProtocolError UNKNOWN_KIND, BAD_FIELD for a message `encode` would refuse.
 */
export function encodingLength(message: Message, options?: EncodeOptions): number {
  const spec = specOf(message);
  const fields = message as unknown as Fields;
  let total = HEADER_BYTES + envelopeLength(options);
  for (const f of spec.fields) total += fieldLength(f, fields[f.name], `${message.kind}.${f.name}`);
  return total;
}

/**
 * Encodes one message as one datagram, with an optional session token and
 * auth trailer (`options`).
 * @returns a new Uint8Array of `encodingLength(message, options)` bytes.
 * @throws ProtocolError UNKNOWN_KIND, BAD_FIELD (a field or envelope option out of range or
 *   of the wrong type), OVERSIZE (the datagram would exceed MAX_DATAGRAM_BYTES = 1200).
 */
export function encode(message: Message, options?: EncodeOptions): Uint8Array {
  const length = encodingLength(message, options);
  if (length > MAX_DATAGRAM_BYTES) {
    throw new ProtocolError('OVERSIZE', `${message.kind} would be ${length} bytes, above ${MAX_DATAGRAM_BYTES}`);
  }
  const spec = specOf(message);
  const w = new Writer(length);
  w.u8(MAGIC_0);
  w.u8(MAGIC_1);
  w.u8(PROTOCOL_VERSION);
  w.u8(spec.code);
  w.u8((options?.token ? FLAG_TOKEN : 0) | (options?.auth ? FLAG_AUTH : 0));
  if (options?.token) w.raw(options.token);
  const fields = message as unknown as Fields;
  for (const f of spec.fields) writeField(w, f, fields[f.name]);
  if (options?.auth) {
    w.u64(options.time ?? Date.now());
    w.raw(options.nonce ?? randomNonce());
    w.raw(computeTag(options.auth, w.bytes, w.offset));
  }
  return w.bytes;
}

/**
 * True when `bytes` starts with the protocol magic (0xFF 0x55). Anything else,
 * including every well-formed UTF-8 text and the empty datagram, is not a
 * protocol datagram.
 */
export function isProtocolDatagram(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1;
}

/**
 * Decodes one datagram with its envelope (session token, auth trailer). Never
 * reads out of bounds and never copies string data; the token and the trailer's
 * nonce and tag are views into `bytes`. Does not verify the tag (`verifyAuth` does).
 * @throws ProtocolError — and nothing else — with code BAD_MAGIC, BAD_VERSION, BAD_FLAGS,
 *   UNKNOWN_KIND, TRUNCATED, BAD_FIELD, BAD_UTF8, OVERSIZE or TRAILING_BYTES (order: PROTOCOL.md §3.3).
 */
export function decodeDatagram(bytes: Uint8Array): Datagram {
  if (bytes.length > MAX_DATAGRAM_BYTES) {
    throw new ProtocolError('OVERSIZE', `datagram of ${bytes.length} bytes, above ${MAX_DATAGRAM_BYTES}`);
  }
  if (!isProtocolDatagram(bytes)) {
    throw new ProtocolError('BAD_MAGIC', 'not a udpchat datagram (first bytes are not FF 55)');
  }
  const head = new Reader(bytes, 2);
  const version = head.u8('header.version');
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError('BAD_VERSION', `protocol version ${version}, this side speaks ${PROTOCOL_VERSION}`);
  }
  const code = head.u8('header.kind');
  const flags = head.u8('header.flags');
  const kind = KIND_BY_CODE.get(code);
  if (kind === undefined) throw new ProtocolError('UNKNOWN_KIND', `unknown kind byte 0x${code.toString(16)}`);
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new ProtocolError('BAD_FLAGS', `flags 0x${flags.toString(16)} set bits that version 1 reserves`);
  }
  const token = flags & FLAG_TOKEN ? head.view8(TOKEN_BYTES, 'header.token') : undefined;
  let auth: AuthTrailer | undefined;
  let end = bytes.length;
  if (flags & FLAG_AUTH) {
    head.need(AUTH_TRAILER_BYTES, 'trailer');
    end = bytes.length - AUTH_TRAILER_BYTES;
    const trailer = new Reader(bytes, end);
    const time = trailer.u64('trailer.time');
    const nonce = trailer.view8(NONCE_BYTES, 'trailer.nonce');
    auth = { time, nonce, tag: trailer.view8(TAG_BYTES, 'trailer.tag'), signedLength: bytes.length - TAG_BYTES };
  }
  const r = new Reader(bytes, head.offset, end);
  const message: Fields = { kind };
  for (const f of SCHEMAS[kind].fields) {
    const value = readField(r, f, `${kind}.${f.name}`);
    if (value !== undefined) message[f.name] = value;
  }
  if (r.remaining !== 0) {
    throw new ProtocolError('TRAILING_BYTES', `${r.remaining} bytes after the last field of ${kind}`);
  }
  return { message: message as unknown as Message, token, auth };
}

/**
 * Decodes one datagram's message, ignoring its envelope (see `decodeDatagram`).
 * @throws ProtocolError, as `decodeDatagram`.
 */
export function decode(bytes: Uint8Array): Message {
  return decodeDatagram(bytes).message;
}

/**
 * A `hello` for `name`, padded so that its datagram (with `options`) is at
 * least HELLO_MIN_BYTES = 300 bytes: the relay may then answer it
 * (anti-amplification, PROTOCOL.md §6.1).
 * @throws ProtocolError BAD_FIELD for a name the codec refuses.
 */
export function paddedHello(name: string, options?: EncodeOptions): HelloMessage {
  const bare = encodingLength({ kind: 'hello', name }, options);
  const padding = Math.max(0, HELLO_MIN_BYTES - bare);
  return padding === 0 ? { kind: 'hello', name } : { kind: 'hello', name, padding };
}
