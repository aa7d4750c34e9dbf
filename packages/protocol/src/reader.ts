/**
 * Bounds-checked cursor over a datagram. Every read checks the bytes left
 * first and refuses (`TRUNCATED`, `BAD_UTF8`: a `CodecFailure`, failure.ts)
 * instead of reading past the end. Strings are decoded from views, never copied.
 * Integers are read byte by byte (big-endian), without a DataView, so a
 * Reader costs one small object and can be pointed at another datagram
 * (`reset`) by a scanner that reuses it (scan.ts).
 */
import { fail } from './failure.js';
import { decodeUtf8, isWellFormedUtf8Range } from './utf8.js';

/** Largest high 32 bits of a u64 that is at most 2^53 − 1. */
const MAX_SAFE_HIGH = 0x1f_ffff;

export class Reader {
  private bytes: Uint8Array;
  /** Current offset in bytes. */
  offset: number;

  private end: number;

  /**
   * @param bytes the datagram.
   * @param offset where reading starts, in bytes.
   * @param end where the readable part ends (exclusive), in bytes; default the datagram's end
   *   (less when a trailer follows the fields).
   */
  constructor(bytes: Uint8Array, offset = 0, end = bytes.byteLength) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
  }

  /** Points the reader at `bytes[offset, end)` (a reused reader: no new object). */
  reset(bytes: Uint8Array, offset: number, end: number): void {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
  }

  /** Bytes not read yet, up to `end`. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /**
   * `n` bytes as a view (not a copy) over the datagram, typed as a plain Uint8Array.
   * Refuses TRUNCATED.
   */
  view8(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.offset, n);
    this.offset += n;
    return out;
  }

  /** Skips `n` bytes. Refuses TRUNCATED. */
  skip(n: number, field: string): void {
    this.need(n, field);
    this.offset += n;
  }

  /** Refuses TRUNCATED when fewer than `n` bytes remain. */
  need(n: number, field: string): void {
    if (this.remaining < n) fail('TRUNCATED', `field ${field} needs ${n} bytes at offset ${this.offset}, only ${this.remaining} left`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.offset++] as number;
  }

  u16(field: string): number {
    this.need(2, field);
    const b = this.bytes;
    const o = this.offset;
    this.offset = o + 2;
    return ((b[o] as number) << 8) | (b[o + 1] as number);
  }

  u32(field: string): number {
    this.need(4, field);
    const v = readU32(this.bytes, this.offset);
    this.offset += 4;
    return v;
  }

  /** Refuses BAD_FIELD when the value exceeds Number.MAX_SAFE_INTEGER. */
  u64(field: string): number {
    this.need(8, field);
    const high = readU32(this.bytes, this.offset);
    if (high > MAX_SAFE_HIGH) {
      const big = (BigInt(high) << 32n) | BigInt(readU32(this.bytes, this.offset + 4));
      fail('BAD_FIELD', `field ${field} is ${big}, above 2^53-1`);
    }
    const v = high * 0x1_0000_0000 + readU32(this.bytes, this.offset + 4);
    this.offset += 8;
    return v;
  }

  /**
   * Reads `length` bytes of strict UTF-8.
   * Refuses TRUNCATED, BAD_UTF8.
   */
  utf8(length: number, field: string): string {
    this.need(length, field);
    const text = decodeUtf8(this.bytes.subarray(this.offset, this.offset + length));
    if (text === null) fail('BAD_UTF8', `field ${field} at offset ${this.offset} is not valid UTF-8`);
    this.offset += length;
    return text;
  }

  /**
   * Checks that the next `length` bytes are strict UTF-8 and skips them,
   * without building a string (what `utf8` refuses, this refuses the same way).
   * Refuses TRUNCATED, BAD_UTF8.
   */
  skipUtf8(length: number, field: string): void {
    this.need(length, field);
    if (!isWellFormedUtf8Range(this.bytes, this.offset, this.offset + length)) {
      fail('BAD_UTF8', `field ${field} at offset ${this.offset} is not valid UTF-8`);
    }
    this.offset += length;
  }

  /** Whether every one of the next `length` bytes (all readable) satisfies `test`; does not move. */
  everyByte(length: number, test: (byte: number) => boolean): boolean {
    const b = this.bytes;
    for (let i = this.offset, end = this.offset + length; i < end; i++) if (!test(b[i] as number)) return false;
    return true;
  }

  /** The next `length` bytes (all readable) as a view, without moving (for a check that needs the text). */
  peek(length: number): Uint8Array {
    return this.bytes.subarray(this.offset, this.offset + length);
  }
}

/** The big-endian u32 at `bytes[offset]` (the caller checked the bounds). */
export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] as number) * 0x100_0000 +
    (((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number))
  );
}
