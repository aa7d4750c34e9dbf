/**
 * Cursor that writes into a buffer sized in advance by `encodingLength`, so
 * encoding allocates exactly once. The buffer is a view into a shared slab
 * (as Node's `Buffer.allocUnsafe` pool does, but zeroed): creating a typed
 * array with its own backing store costs about ten times a view, and a
 * datagram is at most 1200 bytes. Integers are written byte by byte
 * (big-endian), without a DataView, as the Reader reads them.
 */
import { encodeUtf8Into } from './utf8.js';

/** Size of one slab, bytes; buffers above half of it get their own. */
const SLAB_BYTES = 8192;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/**
 * `length` zero bytes, never handed out before: a view into the current slab
 * (its `.buffer` is the slab's, shared with other datagrams; `byteOffset`
 * says where it starts), or a buffer of its own when large.
 */
function allocate(length: number): Uint8Array {
  if (length > SLAB_BYTES >>> 1) return new Uint8Array(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab.buffer, slabUsed, length);
  slabUsed = (slabUsed + length + 7) & ~7; // 8-byte aligned, as Node's pool
  return out;
}

export class Writer {
  readonly bytes: Uint8Array;
  /** Current offset in bytes. */
  offset = 0;

  /** @param length the exact size of what will be written, bytes (the buffer starts zeroed). */
  constructor(length: number) {
    this.bytes = allocate(length);
  }

  u8(v: number): void {
    this.bytes[this.offset++] = v;
  }

  u16(v: number): void {
    const b = this.bytes;
    const o = this.offset;
    b[o] = v >>> 8;
    b[o + 1] = v;
    this.offset = o + 2;
  }

  u32(v: number): void {
    writeU32(this.bytes, this.offset, v);
    this.offset += 4;
  }

  /** A whole number from 0 to 2^53 − 1 (the caller checked it). */
  u64(v: number): void {
    writeU32(this.bytes, this.offset, Math.floor(v / 0x1_0000_0000));
    writeU32(this.bytes, this.offset + 4, v >>> 0);
    this.offset += 8;
  }

  /** Copies raw bytes. */
  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** Skips `n` bytes, leaving them zero (the buffer starts zeroed). */
  zeros(n: number): void {
    this.offset += n;
  }

  /**
   * Writes `text`'s length in UTF-8 bytes as a `prefix`-byte big-endian
   * number (1: `str8`, 2: `str16`), then the UTF-8: one pass over the text,
   * the prefix filled in after it (the caller checked the length fits).
   */
  prefixedUtf8(prefix: 1 | 2, text: string): void {
    const at = this.offset;
    const bytes = encodeUtf8Into(text, this.bytes, at + prefix);
    if (prefix === 1) this.bytes[at] = bytes;
    else {
      this.bytes[at] = bytes >>> 8;
      this.bytes[at + 1] = bytes;
    }
    this.offset = at + prefix + bytes;
  }
}

/** Writes the u32 `v` big-endian at `bytes[offset]` (the caller checked the bounds). */
function writeU32(bytes: Uint8Array, offset: number, v: number): void {
  bytes[offset] = v >>> 24;
  bytes[offset + 1] = v >>> 16;
  bytes[offset + 2] = v >>> 8;
  bytes[offset + 3] = v;
}
