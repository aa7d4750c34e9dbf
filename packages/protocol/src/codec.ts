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
  MAGIC_0,
  MAGIC_1,
  MAX_DATAGRAM_BYTES,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  TOKEN_BYTES,
} from './constants.js';
import type { ProtocolErrorCode } from './errors.js';
import { badField, CodecFailure, fail, orThrow } from './failure.js';
import { u64 } from './fields.js';
import { bodyCodecOf, bodyLength, writeBody } from './messageCodec.js';
import type { HelloMessage, Message, MessageKind } from './messages.js';
import { Reader } from './reader.js';
import { SCHEMAS } from './schema.js';
import { type Envelope, readEnvelope, trailerOf } from './scan.js';
import { Writer } from './writer.js';

function specOf(message: Message) {
  const kind: unknown = message?.kind;
  // Own keys only: `toString`, `constructor`… are not kinds.
  const spec = typeof kind === 'string' && Object.hasOwn(SCHEMAS, kind) ? SCHEMAS[kind as MessageKind] : undefined;
  if (!spec) fail('UNKNOWN_KIND', `unknown message kind ${JSON.stringify(message?.kind)}`);
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
    badField('envelope.token', `must be a Uint8Array of ${TOKEN_BYTES} bytes`);
  }
  if (options.nonce !== undefined && !(options.nonce instanceof Uint8Array && options.nonce.length === NONCE_BYTES)) {
    badField('envelope.nonce', `must be a Uint8Array of ${NONCE_BYTES} bytes`);
  }
  if (options.time !== undefined) u64.encodingLength(options.time, 'envelope.time');
  return (options.token ? TOKEN_BYTES : 0) + (options.auth ? AUTH_TRAILER_BYTES : 0);
}

/**
 * Size in bytes of `message` on the wire (header, token and auth trailer included), without encoding it.
 * @throws ProtocolError UNKNOWN_KIND, BAD_FIELD for a message `encode` would refuse.
 */
export function encodingLength(message: Message, options?: EncodeOptions): number {
  return orThrow(() => lengthOf(message, options));
}

function lengthOf(message: Message, options: EncodeOptions | undefined): number {
  specOf(message);
  return HEADER_BYTES + envelopeLength(options) + bodyLength(message);
}

/**
 * Encodes one message as one datagram, with an optional session token and
 * auth trailer (`options`).
 * @returns a new Uint8Array of `encodingLength(message, options)` bytes: a view
 *   into a slab shared with other datagrams (writer.ts; its `.buffer` is the slab's,
 *   so read it through `byteOffset`, as a Buffer from Node's pool).
 * @throws ProtocolError UNKNOWN_KIND, BAD_FIELD (a field or envelope option out of range or
 *   of the wrong type), OVERSIZE (the datagram would exceed MAX_DATAGRAM_BYTES = 1200).
 */
export function encode(message: Message, options?: EncodeOptions): Uint8Array {
  return orThrow(() => encodeDatagram(message, options));
}

function encodeDatagram(message: Message, options: EncodeOptions | undefined): Uint8Array {
  const length = lengthOf(message, options);
  if (length > MAX_DATAGRAM_BYTES) fail('OVERSIZE', `${message.kind} would be ${length} bytes, above ${MAX_DATAGRAM_BYTES}`);
  const spec = specOf(message);
  const w = new Writer(length);
  w.u8(MAGIC_0);
  w.u8(MAGIC_1);
  w.u8(PROTOCOL_VERSION);
  w.u8(spec.code);
  w.u8((options?.token ? FLAG_TOKEN : 0) | (options?.auth ? FLAG_AUTH : 0));
  if (options?.token) w.raw(options.token);
  writeBody(message, w);
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

/** What `tryDecodeDatagram` gives: the datagram, or why it was refused. */
export type DecodeResult = ({ ok: true } & Datagram) | { ok: false; code: ProtocolErrorCode; reason: string };

/**
 * Decodes one datagram with its envelope (session token, auth trailer). Never
 * reads out of bounds and never copies string data; the token and the trailer's
 * nonce and tag are views into `bytes`. Does not verify the tag (`verifyAuth` does).
 * @throws ProtocolError — and nothing else — with code BAD_MAGIC, BAD_VERSION, BAD_FLAGS,
 *   UNKNOWN_KIND, TRUNCATED, BAD_FIELD, BAD_UTF8, OVERSIZE or TRAILING_BYTES (order: PROTOCOL.md §3.3).
 */
export function decodeDatagram(bytes: Uint8Array): Datagram {
  return orThrow(() => readDatagram(bytes));
}

/**
 * `decodeDatagram` without exceptions, for a hot path that drops what it
 * cannot read (the relay): `{ ok: true, message, token, auth }`, or
 * `{ ok: false, code, reason }` with the `ProtocolErrorCode` decodeDatagram
 * would throw and a human-readable reason. Builds no Error object either way.
 */
export function tryDecodeDatagram(bytes: Uint8Array): DecodeResult {
  try {
    const { message, token, auth } = readDatagram(bytes);
    return { ok: true, message, token, auth };
  } catch (err) {
    if (err instanceof CodecFailure) return { ok: false, code: err.code, reason: err.reason };
    throw err;
  }
}

function readDatagram(bytes: Uint8Array): Datagram {
  const r = new Reader(bytes);
  const e: Envelope = { kind: 'hello', flags: 0, tokenAt: -1, fieldsStart: 0, fieldsEnd: 0, authTime: 0 };
  readEnvelope(bytes, r, e);
  const token = e.tokenAt >= 0 ? new Uint8Array(bytes.buffer, bytes.byteOffset + e.tokenAt, TOKEN_BYTES) : undefined;
  const auth = e.flags & FLAG_AUTH ? trailerOf(bytes, e) : undefined;
  r.reset(bytes, e.fieldsStart, e.fieldsEnd);
  const message: Message = bodyCodecOf(e.kind).decode(r);
  if (r.remaining !== 0) fail('TRAILING_BYTES', `${r.remaining} bytes after the last field of ${e.kind}`);
  return { message, token, auth };
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
