import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameError, PREFIX_BYTES } from '../src/demo/lengthPrefix.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('length-prefix framing', () => {
  it('encodes a 4-byte big-endian uint32 length, then the payload', () => {
    expect([...encodeFrame(bytes('hello'))]).toEqual([0, 0, 0, 5, 104, 101, 108, 108, 111]);
    expect([...encodeFrame(new Uint8Array(300))].slice(0, PREFIX_BYTES)).toEqual([0, 0, 1, 44]);
    expect([...encodeFrame(new Uint8Array(0))]).toEqual([0, 0, 0, 0]);
  });

  it('refuses to encode a payload over the limit', () => {
    expect(() => encodeFrame(new Uint8Array(11), 10)).toThrow(RangeError);
    expect(encodeFrame(new Uint8Array(10), 10)).toHaveLength(14);
    expect(() => encodeFrame(new Uint8Array(1), -1)).toThrow(RangeError);
  });

  it('decodes a frame split across chunks, even one byte at a time', () => {
    const frame = encodeFrame(bytes('split me'));
    const decoder = new FrameDecoder();
    const got: Uint8Array[] = [];
    for (let i = 0; i < frame.length; i++) {
      const out = decoder.push(frame.subarray(i, i + 1));
      // Nothing comes out before the last byte.
      expect(out).toHaveLength(i === frame.length - 1 ? 1 : 0);
      got.push(...out);
    }
    expect(got.map(text)).toEqual(['split me']);
    expect(decoder.pendingBytes).toBe(0);
    expect(() => decoder.end()).not.toThrow();
  });

  it('decodes several frames from one chunk, keeping a trailing partial frame for later', () => {
    const stream = new Uint8Array([...encodeFrame(bytes('a')), ...encodeFrame(bytes('bc')), ...encodeFrame(bytes('def'))]);
    const decoder = new FrameDecoder();
    expect(decoder.push(stream.subarray(0, stream.length - 2)).map(text)).toEqual(['a', 'bc']);
    expect(decoder.pendingBytes).toBe(PREFIX_BYTES + 1);
    expect(decoder.push(stream.subarray(stream.length - 2)).map(text)).toEqual(['def']);
  });

  it('decodes zero-length frames (and accepts empty chunks)', () => {
    const decoder = new FrameDecoder();
    const stream = new Uint8Array([...encodeFrame(new Uint8Array(0)), ...encodeFrame(bytes('x')), ...encodeFrame(new Uint8Array(0))]);
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    const out = decoder.push(stream);
    expect(out.map((m) => m.length)).toEqual([0, 1, 0]);
    expect(text(out[1] ?? new Uint8Array())).toBe('x');
  });

  it('returns copies, not views of the caller’s (reused) chunk', () => {
    const chunk = encodeFrame(bytes('keep'));
    const [message] = new FrameDecoder().push(chunk);
    chunk.fill(0);
    expect(text(message ?? new Uint8Array())).toBe('keep');
  });

  it('rejects a length over the limit, and stays failed', () => {
    const decoder = new FrameDecoder(16);
    expect(() => decoder.push(new Uint8Array([0, 0, 0, 17]))).toThrow(FrameError);
    expect(() => decoder.push(encodeFrame(bytes('ok')))).toThrow(/exceeds the limit of 16 bytes/);
    // A huge prefix (4 GiB − 1) is refused at once, not buffered.
    expect(() => new FrameDecoder().push(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(FrameError);
  });

  it('reports a stream that ends inside a frame', () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeFrame(bytes('truncated')).subarray(0, 6));
    expect(() => decoder.end()).toThrow(/ended inside a frame \(6 bytes left over\)/);
  });

  it('restores any messages from any cutting of the stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 10 }),
        (messages, cuts) => {
          const stream = new Uint8Array(messages.flatMap((m) => [...encodeFrame(m)]));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const decoder = new FrameDecoder();
          const got: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, stream.length]) {
            got.push(...decoder.push(stream.subarray(from, p)));
            from = p;
          }
          decoder.end();
          expect(got.map((m) => [...m])).toEqual(messages.map((m) => [...m]));
        },
      ),
    );
  });
});
