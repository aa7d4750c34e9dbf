/**
 * Helpers for building a datagram out of another's bytes (the relay's
 * forwarding fast path): a header, a field's integer at an offset found by
 * `DatagramScanner`, whether an `ack`'s ranges cover a seq, whether two
 * kinds share a layout (so one's fields can be sent as the other's), and the
 * offsets of a kind whose fields all have a fixed size (so it can be written
 * in place). The layouts themselves stay in schema.ts; nothing here knows an offset.
 */
import { FLAG_AUTH, HEADER_BYTES, MAGIC_0, MAGIC_1, PROTOCOL_VERSION } from './constants.js';
import type { FieldCodec } from './fields.js';
import type { MessageKind } from './messages.js';
import { readU32 } from './reader.js';
import type { FieldsOf } from './schema.js';
import { SCHEMAS } from './schema.js';

/** The kind byte of `kind` (header offset 3). */
export function kindCode(kind: MessageKind): number {
  return SCHEMAS[kind].code;
}

/**
 * Writes the HEADER_BYTES (5) header of a `kind` datagram at `target[offset]`:
 * magic, version, kind byte, flags (`auth`: FLAG_AUTH, the caller then appends
 * the trailer, `signInto`). Relay → client datagrams carry no token.
 * @returns the offset after the header.
 */
export function writeHeader(target: Uint8Array, offset: number, kind: MessageKind, auth: boolean): number {
  target[offset] = MAGIC_0;
  target[offset + 1] = MAGIC_1;
  target[offset + 2] = PROTOCOL_VERSION;
  target[offset + 3] = SCHEMAS[kind].code;
  target[offset + 4] = auth ? FLAG_AUTH : 0;
  return offset + HEADER_BYTES;
}

/** The big-endian u32 at `bytes[offset]` (e.g. a `u32` field at `DatagramScanner.start`; the scan checked the bounds). */
export function u32At(bytes: Uint8Array, offset: number): number {
  return readU32(bytes, offset);
}

/**
 * Whether an `ack` covers `seq`: `seq` ≤ `upTo`, or inside one of its ranges
 * (PROTOCOL.md §4.12). `upTo` as read at the field's offset; `rangesAt` the
 * offset of its `ranges` field (count byte, then `first`/`last` u32 pairs) in
 * a datagram the scanner found well-formed. `seq` 0 is never covered.
 */
export function ackCovers(bytes: Uint8Array, upTo: number, rangesAt: number, seq: number): boolean {
  if (seq === 0) return false;
  if (seq <= upTo) return true;
  const count = bytes[rangesAt] as number;
  for (let i = 0, at = rangesAt + 1; i < count; i++, at += 8) {
    if (seq >= readU32(bytes, at) && seq <= readU32(bytes, at + 4)) return true;
  }
  return false;
}

/**
 * Whether kinds `a` and `b` have the same fields with the same codecs in the
 * same order, so the fields of one are, byte for byte, a valid body of the
 * other (a `heartbeat`'s `seq` echoed as a `heartbeat-ack`).
 */
export function sameLayout(a: MessageKind, b: MessageKind): boolean {
  const fa = Object.values(SCHEMAS[a].fields as Readonly<Record<string, FieldCodec<unknown>>>);
  const fb = Object.values(SCHEMAS[b].fields as Readonly<Record<string, FieldCodec<unknown>>>);
  return fa.length === fb.length && fa.every((codec, i) => codec === fb[i]);
}

/** The `bool` at `bytes[offset]` (a field's start, in a datagram the scanner found well-formed: 0 or 1). */
export function boolAt(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === 1;
}

/** Where each field of a fixed-size kind starts (bytes after the header), and the size of its fields in all. */
export interface FixedLayout<K extends MessageKind> {
  /** Bytes of the fields in all. */
  readonly bytes: number;
  /** Each field's offset from the first field's start, and its size. */
  readonly fields: { readonly [F in keyof FieldsOf<K> & string]: { readonly offset: number; readonly bytes: number } };
}

/**
 * The fixed layout of `kind` when every field of it has one size
 * (`minBytes` = `maxBytes`, e.g. `heartbeat-ack`: three u32), else null:
 * what lets the relay write such a datagram in place (fast path).
 */
export function fixedLayout<K extends MessageKind>(kind: K): FixedLayout<K> | null {
  const fields: Record<string, { offset: number; bytes: number }> = {};
  let at = 0;
  for (const [field, codec] of Object.entries(SCHEMAS[kind].fields as Readonly<Record<string, FieldCodec<unknown>>>)) {
    if (codec.minBytes !== codec.maxBytes) return null;
    fields[field] = { offset: at, bytes: codec.minBytes };
    at += codec.minBytes;
  }
  return { bytes: at, fields: fields as FixedLayout<K>['fields'] };
}
