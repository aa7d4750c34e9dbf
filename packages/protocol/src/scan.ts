/**
 * Where the fields of a datagram are, without decoding them: a scanner that
 * checks a datagram exactly as `decodeDatagram` does (PROTOCOL.md §3.3, the
 * same refusals with the same codes, in the same order) but builds no message,
 * decodes no string and allocates nothing, and records the offset of each
 * field of its kind. The offsets come from the layout in schema.ts (each
 * codec's `skip`), so a field added to a kind moves the others with it; no
 * offset is written by hand anywhere. For a hot path that forwards bytes (the
 * relay rewrites a chat's `from` and copies the rest): see `DatagramScanner`.
 */
import {
  AUTH_TRAILER_BYTES,
  FLAG_AUTH,
  FLAG_TOKEN,
  KNOWN_FLAGS,
  MAGIC_0,
  MAGIC_1,
  MAX_DATAGRAM_BYTES,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  TAG_BYTES,
  TOKEN_BYTES,
} from './constants.js';
import type { AuthTrailer } from './auth.js';
import type { ProtocolErrorCode } from './errors.js';
import { CodecFailure, fail } from './failure.js';
import type { FieldCodec } from './fields.js';
import type { MessageKind } from './messages.js';
import { Reader } from './reader.js';
import { type FieldsOf, KIND_BY_CODE, MESSAGE_KINDS, SCHEMAS } from './schema.js';

/** What comes before and after the fields of a datagram (PROTOCOL.md §3). */
export interface Envelope {
  kind: MessageKind;
  /** The flags byte (FLAG_TOKEN, FLAG_AUTH). */
  flags: number;
  /** Offset of the session token, or -1 without FLAG_TOKEN. */
  tokenAt: number;
  /** Offset of the first field. */
  fieldsStart: number;
  /** End of the fields (exclusive): the trailer's start with FLAG_AUTH, else the datagram's end. */
  fieldsEnd: number;
  /** Auth time (FLAG_AUTH), ms since the Unix epoch; 0 without. */
  authTime: number;
}

/**
 * Reads and checks the header, the token's room and the trailer's room and
 * time of `bytes` into `out` (checks 1–5 of PROTOCOL.md §3.3), with `r` as
 * the cursor. Refuses (a CodecFailure) OVERSIZE, BAD_MAGIC, BAD_VERSION,
 * TRUNCATED, UNKNOWN_KIND, BAD_FLAGS, BAD_FIELD (trailer time). Shared by
 * `decodeDatagram` and `DatagramScanner`, so the two check the envelope alike.
 */
export function readEnvelope(bytes: Uint8Array, r: Reader, out: Envelope): void {
  if (bytes.length > MAX_DATAGRAM_BYTES) fail('OVERSIZE', `datagram of ${bytes.length} bytes, above ${MAX_DATAGRAM_BYTES}`);
  if (bytes.length < 2 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) fail('BAD_MAGIC', 'not a udpchat datagram (first bytes are not FF 55)');
  r.reset(bytes, 2, bytes.length);
  const version = r.u8('header.version');
  if (version !== PROTOCOL_VERSION) fail('BAD_VERSION', `protocol version ${version}, this side speaks ${PROTOCOL_VERSION}`);
  const code = r.u8('header.kind');
  const flags = r.u8('header.flags');
  const kind = KIND_BY_CODE.get(code);
  if (kind === undefined) fail('UNKNOWN_KIND', `unknown kind byte 0x${code.toString(16)}`);
  if ((flags & ~KNOWN_FLAGS) !== 0) fail('BAD_FLAGS', `flags 0x${flags.toString(16)} set bits that version 1 reserves`);
  out.kind = kind;
  out.flags = flags;
  out.tokenAt = -1;
  if (flags & FLAG_TOKEN) {
    out.tokenAt = r.offset;
    r.skip(TOKEN_BYTES, 'header.token');
  }
  out.fieldsStart = r.offset;
  out.fieldsEnd = bytes.length;
  out.authTime = 0;
  if (flags & FLAG_AUTH) {
    r.need(AUTH_TRAILER_BYTES, 'trailer');
    out.fieldsEnd = bytes.length - AUTH_TRAILER_BYTES;
    r.offset = out.fieldsEnd;
    out.authTime = r.u64('trailer.time');
  }
}

/** The auth trailer of a datagram whose envelope is `e` (FLAG_AUTH set): views into `bytes`. */
export function trailerOf(bytes: Uint8Array, e: Envelope): AuthTrailer {
  const at = e.fieldsEnd + 8;
  return {
    time: e.authTime,
    nonce: new Uint8Array(bytes.buffer, bytes.byteOffset + at, NONCE_BYTES),
    tag: new Uint8Array(bytes.buffer, bytes.byteOffset + at + NONCE_BYTES, TAG_BYTES),
    signedLength: bytes.length - TAG_BYTES,
  };
}

/** A field of one kind, by its position in the kind's layout: made once by `fieldOf`, used per datagram. */
export interface FieldRef<K extends MessageKind = MessageKind> {
  readonly kind: K;
  /** Position in the layout (wire order). */
  readonly index: number;
  /** Length-prefix bytes of the field (a `str8` 1, a `str16` 2, else 0). */
  readonly prefixBytes: number;
}

/**
 * The field `field` of kind `kind`, for `DatagramScanner` offsets.
 * @throws RangeError when the kind has no such field (a bug: the types rule it out).
 */
export function fieldOf<K extends MessageKind>(kind: K, field: keyof FieldsOf<K> & string): FieldRef<K> {
  const layout = SCHEMAS[kind].fields as Readonly<Record<string, FieldCodec<unknown>>>;
  const names = Object.keys(layout);
  const index = names.indexOf(field);
  const codec = layout[field];
  if (index < 0 || codec === undefined) throw new RangeError(`${kind} has no field ${field}`);
  return { kind, index, prefixBytes: codec.prefixBytes };
}

/** Each kind's codecs in wire order, and the path used in refusals. */
const SKIPS: ReadonlyMap<MessageKind, ReadonlyArray<{ readonly codec: FieldCodec<unknown>; readonly path: string }>> = new Map(
  MESSAGE_KINDS.map((kind) => {
    const layout = SCHEMAS[kind].fields as Readonly<Record<string, FieldCodec<unknown>>>;
    return [kind, Object.entries(layout).map(([field, codec]) => ({ codec, path: `${kind}.${field}` }))];
  }),
);
const MOST_FIELDS = Math.max(...[...SKIPS.values()].map((fields) => fields.length));

/**
 * A reusable scanner: `scan(bytes)` checks one datagram as `decodeDatagram`
 * would and, when it is well-formed, holds its envelope and the offset of
 * each field until the next `scan`. Allocates nothing per datagram when it
 * is well-formed (a refusal is a thrown and caught CodecFailure). Not for
 * keeping: one scanner per hot path, its results read before the next scan.
 */
export class DatagramScanner {
  /** The envelope of the last datagram scanned well-formed. */
  readonly envelope: Envelope = { kind: 'hello', flags: 0, tokenAt: -1, fieldsStart: 0, fieldsEnd: 0, authTime: 0 };
  /** Why the last scan refused, for a caller that wants the text (built only on a refusal). */
  reason = '';
  private readonly reader = new Reader(new Uint8Array(0));
  /** starts[i]: offset of field i; starts[fields]: the end of the last one. */
  private readonly starts = new Int32Array(MOST_FIELDS + 1);

  /**
   * Checks `bytes` (PROTOCOL.md §3.3, exactly what `decodeDatagram` refuses).
   * @returns null when it is well-formed (read the offsets), else the ProtocolErrorCode
   *   `decodeDatagram` would throw (`reason` says why).
   */
  scan(bytes: Uint8Array): ProtocolErrorCode | null {
    try {
      const r = this.reader;
      const e = this.envelope;
      readEnvelope(bytes, r, e);
      r.reset(bytes, e.fieldsStart, e.fieldsEnd);
      const fields = SKIPS.get(e.kind) ?? [];
      for (let i = 0; i < fields.length; i++) {
        this.starts[i] = r.offset;
        const f = fields[i] as (typeof fields)[number];
        f.codec.skip(r, f.path);
      }
      this.starts[fields.length] = r.offset;
      if (r.remaining !== 0) fail('TRAILING_BYTES', `${r.remaining} bytes after the last field of ${e.kind}`);
      return null;
    } catch (err) {
      if (err instanceof CodecFailure) {
        this.reason = err.reason;
        return err.code;
      }
      throw err;
    }
  }

  /** Offset of the first byte of `field` (its length prefix, for a string) in the last datagram scanned. */
  start(field: FieldRef): number {
    return this.starts[field.index] as number;
  }

  /** Offset just after `field`. */
  end(field: FieldRef): number {
    return this.starts[field.index + 1] as number;
  }

  /** Offset of `field`'s own bytes, after its length prefix (a string's first byte). */
  valueStart(field: FieldRef): number {
    return (this.starts[field.index] as number) + field.prefixBytes;
  }

  /** The auth trailer of the last datagram scanned (FLAG_AUTH), or undefined; its nonce and tag are views. */
  trailer(bytes: Uint8Array): AuthTrailer | undefined {
    return this.envelope.flags & FLAG_AUTH ? trailerOf(bytes, this.envelope) : undefined;
  }
}
