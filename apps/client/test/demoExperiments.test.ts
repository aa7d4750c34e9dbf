/**
 * The three boundary experiments on real loopback sockets (127.0.0.1, port 0).
 */
import { describe, expect, it } from 'vitest';
import { DEMO_WRITES, runTcpFramed, runTcpPlain, runUdp } from '../src/demo/experiments.js';

const text = (data: Uint8Array) => new TextDecoder().decode(data);
const join = (parts: readonly Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));

describe('message boundaries: the experiments', () => {
  it('sends the demo writes: "hello", "world", "", 3000 bytes', () => {
    expect(DEMO_WRITES.map((w) => w.length)).toEqual([5, 5, 0, 3000]);
    expect(DEMO_WRITES.slice(0, 2).map(text)).toEqual(['hello', 'world']);
  });

  it('UDP: exactly one whole read per write, the empty datagram included', async () => {
    const result = await runUdp(DEMO_WRITES);
    expect(result.timedOut).toBe(false);
    expect(result.expected).toBe(4);
    expect(result.reads.map((r) => r.length)).toEqual([5, 5, 0, 3000]);
    expect(result.reads.map((r) => [...r])).toEqual(DEMO_WRITES.map((w) => [...w]));
    expect(result.allSentBeforeFirstRead).toBe(true);
  });

  it('plain TCP: the same bytes, cut into reads of at most 1024 that ignore the writes', async () => {
    const { reads } = await runTcpPlain(DEMO_WRITES);
    expect([...join(reads)]).toEqual([...join(DEMO_WRITES)]);
    for (const r of reads) expect(r.length).toBeLessThanOrEqual(1024);
    expect(reads.every((r) => r.length > 0)).toBe(true); // the empty write left no 0-byte read
    // Coalescing: "hello" and "world" come out of one read, glued to the start of the big write.
    const first = text(reads[0] ?? new Uint8Array());
    expect(first.startsWith('helloworldx')).toBe(true);
    expect(reads[0]).toHaveLength(1024);
    // The 3000-byte write is split: it cannot fit in one 1024-byte read.
    expect(reads.length).toBeGreaterThanOrEqual(3);
  });

  it('plain TCP: the read size really bounds each read', async () => {
    const { reads } = await runTcpPlain(DEMO_WRITES, { readSize: 7 });
    expect(Math.max(...reads.map((r) => r.length))).toBe(7);
    expect(text(reads[0] ?? new Uint8Array())).toBe('hellowo');
    expect([...join(reads)]).toEqual([...join(DEMO_WRITES)]);
    await expect(runTcpPlain(DEMO_WRITES, { readSize: 0 })).rejects.toThrow(RangeError);
  });

  it('TCP with a length prefix: exactly the writes again, over reads of at most 1024', async () => {
    const { reads, streamReads } = await runTcpFramed(DEMO_WRITES);
    expect(reads.map((r) => [...r])).toEqual(DEMO_WRITES.map((w) => [...w]));
    expect(streamReads.reduce((a, b) => a + b, 0)).toBe(3010 + 4 * 4);
    for (const n of streamReads) expect(n).toBeLessThanOrEqual(1024);
    expect(streamReads.length).toBeLessThan(reads.length); // fewer stream reads than messages: they were coalesced
  });
});
