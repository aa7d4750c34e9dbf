/**
 * Cursor that writes into a buffer sized in advance by `encodingLength`, so
 * encoding allocates exactly once.
 */
import { encodeUtf8Into } from './utf8.js';

export class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Current offset in bytes. */
  offset = 0;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(v: number): void {
    this.view.setUint8(this.offset++, v);
  }

  u16(v: number): void {
    this.view.setUint16(this.offset, v);
    this.offset += 2;
  }

  u32(v: number): void {
    this.view.setUint32(this.offset, v);
    this.offset += 4;
  }

  u64(v: number): void {
    this.view.setBigUint64(this.offset, BigInt(v));
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

  /** Writes UTF-8 whose length the caller already wrote as a prefix. */
  utf8(text: string): void {
    this.offset += encodeUtf8Into(text, this.bytes, this.offset);
  }
}
