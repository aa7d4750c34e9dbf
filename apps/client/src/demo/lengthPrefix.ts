/**
 * Length-prefix framing: the classic fix for TCP's missing message boundaries.
 * Each message goes on the stream as a 4-byte length — an unsigned 32-bit
 * integer in big-endian (network) byte order, Python's `struct.pack('>I', n)`
 * — followed by that many payload bytes. The Python tutorials write
 * `struct.pack('i', n)`, a signed int in the machine's native byte order;
 * big-endian uint32 is the portable version of the same idea.
 *
 * Pure code: no sockets, no Node-only types (plain `Uint8Array`).
 */

/** Size of the length prefix in bytes. */
export const PREFIX_BYTES = 4;

/** Largest payload the uint32 prefix can describe: 2^32 − 1 bytes. */
export const MAX_UINT32 = 0xffff_ffff;

/** Default upper bound for one frame's payload, in bytes (1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** A stream that does not hold valid frames (length over the bound, or truncated). */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * One frame: 4-byte big-endian uint32 length, then `payload`.
 * @param payload the message bytes; may be empty (a 4-byte frame of zeros).
 * @param maxFrameBytes largest payload allowed, in bytes (default 1 MiB; at most 2^32 − 1).
 * @returns a new array of `4 + payload.length` bytes.
 * @throws RangeError when `payload` is longer than `maxFrameBytes`.
 */
export function encodeFrame(payload: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const limit = checkLimit(maxFrameBytes);
  if (payload.length > limit) {
    throw new RangeError(`frame payload of ${payload.length} bytes exceeds the limit of ${limit} bytes`);
  }
  const frame = new Uint8Array(PREFIX_BYTES + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length, false);
  frame.set(payload, PREFIX_BYTES);
  return frame;
}

/**
 * Turns stream chunks, cut anywhere, back into the messages that were
 * framed with {@link encodeFrame}. Feed every chunk to {@link push} in order;
 * call {@link end} when the stream ends to detect a truncated last frame.
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0);
  private failed: FrameError | undefined;
  private readonly maxFrameBytes: number;

  /**
   * @param maxFrameBytes largest payload accepted, in bytes (default 1 MiB);
   *   a bigger length prefix is an error rather than a reason to buffer gigabytes.
   * @throws RangeError when `maxFrameBytes` is not an integer from 0 to 2^32 − 1.
   */
  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = checkLimit(maxFrameBytes);
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  /**
   * Adds the next chunk of the stream (any size, including 0 bytes).
   * @returns the messages completed by this chunk, in order (copies; possibly none; empty messages included).
   * @throws FrameError when a length prefix exceeds the limit; the decoder then refuses all further input.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const data = concat(this.buffer, chunk);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const messages: Uint8Array[] = [];
    let offset = 0;
    while (data.length - offset >= PREFIX_BYTES) {
      const length = view.getUint32(offset, false);
      if (length > this.maxFrameBytes) {
        this.buffer = new Uint8Array(0);
        this.failed = new FrameError(`frame length ${length} exceeds the limit of ${this.maxFrameBytes} bytes`);
        throw this.failed;
      }
      const end = offset + PREFIX_BYTES + length;
      if (end > data.length) break;
      messages.push(copy(data, offset + PREFIX_BYTES, end));
      offset = end;
    }
    this.buffer = copy(data, offset, data.length);
    return messages;
  }

  /**
   * Declares the end of the stream.
   * @throws FrameError when a partial frame (prefix or payload) is left over, or the decoder already failed.
   */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.buffer.length > 0) {
      throw new FrameError(`stream ended inside a frame (${this.buffer.length} bytes left over)`);
    }
  }
}

function checkLimit(maxFrameBytes: number): number {
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0 || maxFrameBytes > MAX_UINT32) {
    throw new RangeError(`frame limit must be an integer from 0 to ${MAX_UINT32} (got ${maxFrameBytes})`);
  }
  return maxFrameBytes;
}

/** A plain copy of `data[start, end)` (never a view: `chunk` may be a reused or Buffer-backed array). */
function copy(data: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(data.subarray(start, end));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
