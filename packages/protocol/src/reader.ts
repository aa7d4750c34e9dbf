/**
 * Bounds-checked cursor over a datagram. Every read checks the bytes left
 * first and refuses (`TRUNCATED`, `BAD_UTF8`: a `CodecFailure`, failure.ts)
 * instead of reading past the end. Strings are decoded from views, never copied.
 */
import { fail } from './failure.js';
import { decodeUtf8 } from './utf8.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class Reader {
  private readonly view: DataView;
  /** Current offset in bytes. */
  offset: number;

  private readonly end: number;

  /**
   * @param bytes the datagram.
   * @param offset where reading starts, in bytes.
   * @param end where the readable part ends (exclusive), in bytes; default the datagram's end
   *   (less when a trailer follows the fields).
   */
  constructor(
    private readonly bytes: Uint8Array,
    offset = 0,
    end = bytes.byteLength,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

  /** Refuses TRUNCATED when fewer than `n` bytes remain. */
  need(n: number, field: string): void {
    if (this.remaining < n) fail('TRUNCATED', `field ${field} needs ${n} bytes at offset ${this.offset}, only ${this.remaining} left`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  /** Refuses BAD_FIELD when the value exceeds Number.MAX_SAFE_INTEGER. */
  u64(field: string): number {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset);
    if (v > MAX_SAFE) fail('BAD_FIELD', `field ${field} is ${v}, above 2^53-1`);
    this.offset += 8;
    return Number(v);
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
}
