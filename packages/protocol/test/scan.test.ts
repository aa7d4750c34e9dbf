/**
 * The scanner of the relay's fast path (src/scan.ts) against the decoder: it
 * accepts exactly the datagrams `decodeDatagram` accepts and refuses the rest
 * with the same code; its field offsets are where the codec wrote each field
 * (derived from the schema, so a field added to a kind moves the others);
 * the byte-level UTF-8 and id checks agree with the string ones.
 */
// node:assert in the properties: thousands of checks per run of the file (an expect costs ~30 µs).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { binaryString } from '../../../tools/test/binaryString.js';
import { describe, expect, it } from 'vitest';
import {
  ackCovers,
  DatagramScanner,
  decodeDatagram,
  encode,
  fieldOf,
  isValidUtf8,
  tryDecodeDatagram,
  u32At,
  type Message,
  type MessageKind,
} from '../src/index.js';
import { isIdByte } from '../src/fields.js';
import { SCHEMAS } from '../src/schema.js';
import { isWellFormedUtf8Range } from '../src/utf8.js';
import { messageArb, optionsArb } from './arbitraries.js';

const scanner = new DatagramScanner();

/** `bytes` with one of a few mutations: cut, one byte changed, bytes appended, a length prefix bumped. */
const mutated = (bytes: Uint8Array) =>
  fc.oneof(
    fc.integer({ min: 0, max: bytes.length }).map((n) => bytes.slice(0, n)),
    fc.tuple(fc.integer({ min: 0, max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
      const out = bytes.slice();
      out[i] = v;
      return out;
    }),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((tail) => Uint8Array.from([...bytes, ...tail])),
  );

function sameVerdict(bytes: Uint8Array): void {
  const decoded = tryDecodeDatagram(bytes);
  const code = scanner.scan(bytes);
  assert.equal(code, decoded.ok ? null : decoded.code);
  // (The reason's wording may name a field's part differently: the relay re-decodes a refused datagram to log it.)
  if (!decoded.ok) assert.notEqual(scanner.reason, '');
}

describe('DatagramScanner', () => {
  it('accepts what decodeDatagram accepts, and refuses the rest with the same code', () => {
    fc.assert(
      fc.property(
        fc.tuple(messageArb, optionsArb).chain(([m, o]) => {
          const bytes = encode(m, o);
          return fc.oneof(fc.constant(bytes), mutated(bytes));
        }),
        sameVerdict,
      ),
      { numRuns: 500 },
    );
  });

  it('…and on arbitrary bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x0f }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 300 }), (kind, flags, body) => {
        sameVerdict(Uint8Array.from([0xff, 0x55, 0x01, kind, flags, ...body]));
      }),
      { numRuns: 500 },
    );
  });

  it('finds every field of every kind where the codec wrote it (offsets from the schema)', () => {
    fc.assert(
      fc.property(messageArb, optionsArb, (m: Message, o) => {
        const bytes = encode(m, o);
        assert.equal(scanner.scan(bytes), null);
        const fields = Object.keys(SCHEMAS[m.kind].fields) as never[];
        if (fields.length === 0) return;
        const first = scanner.start(fieldOf(m.kind as MessageKind, fields[0] as never));
        assert.equal(first, scanner.envelope.fieldsStart);
        for (const field of fields) {
          const ref = fieldOf(m.kind as MessageKind, field);
          assert.ok(scanner.start(ref) >= first, `${scanner.start(ref)} < ${first}`);
          assert.ok(scanner.end(ref) >= scanner.start(ref), `${scanner.end(ref)} < ${scanner.start(ref)}`);
        }
        const last = fieldOf(m.kind as MessageKind, fields[fields.length - 1] as never);
        assert.equal(scanner.end(last), scanner.envelope.fieldsEnd);
      }),
      { numRuns: 200 },
    );
  });

  it('gives a chat\'s strings and integers at the offsets decoding reads them from', () => {
    const CHAT = { id: fieldOf('chat', 'id'), from: fieldOf('chat', 'from'), to: fieldOf('chat', 'to'), seq: fieldOf('chat', 'seq'), text: fieldOf('chat', 'text') };
    const text = new TextDecoder();
    fc.assert(
      fc.property(messageArb.filter((m) => m.kind === 'chat'), optionsArb, (m, o) => {
        const bytes = encode(m, o);
        assert.equal(scanner.scan(bytes), null);
        const chat = decodeDatagram(bytes).message;
        if (chat.kind !== 'chat') throw new Error('not a chat');
        const str = (f: typeof CHAT.id) => text.decode(bytes.subarray(scanner.valueStart(f), scanner.end(f)));
        assert.equal(str(CHAT.id), chat.id);
        assert.equal(str(CHAT.from), chat.from);
        assert.equal(str(CHAT.to), chat.to);
        assert.equal(str(CHAT.text), chat.text);
        assert.equal(u32At(bytes, scanner.start(CHAT.seq)), chat.seq);
      }),
      { numRuns: 200 },
    );
  });

  it('ackCovers is upTo and ranges, as the decoded ack says', () => {
    const ACK = { upTo: fieldOf('ack', 'upTo'), ranges: fieldOf('ack', 'ranges') };
    fc.assert(
      fc.property(messageArb.filter((m) => m.kind === 'ack'), fc.integer({ min: 0, max: 0xffff_ffff }), (m, seq) => {
        if (m.kind !== 'ack') return;
        const bytes = encode(m);
        assert.equal(scanner.scan(bytes), null);
        const upTo = u32At(bytes, scanner.start(ACK.upTo));
        assert.equal(upTo, m.upTo);
        const probes = [seq, m.upTo, m.upTo + 1, ...m.ranges.flat()].filter((s) => s <= 0xffff_ffff);
        for (const s of probes) {
          const expected = s !== 0 && (s <= m.upTo || m.ranges.some(([a, b]) => s >= a && s <= b));
          assert.equal(ackCovers(bytes, upTo, scanner.start(ACK.ranges), s), expected, `seq ${s}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('fieldOf refuses a field the kind does not have', () => {
    expect(() => fieldOf('chat', 'nope' as never)).toThrow(RangeError);
  });
});

describe('byte-level checks agree with the string ones', () => {
  it('isWellFormedUtf8Range is what the strict decoder accepts, on arbitrary bytes and ranges', () => {
    const utf8ish = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      binaryString({ maxLength: 20 }).map((s) => new TextEncoder().encode(s)),
      fc.array(fc.constantFrom(0x41, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xff), { maxLength: 12 }).map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(utf8ish, fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        assert.equal(isWellFormedUtf8Range(bytes, start, end), isValidUtf8(bytes.subarray(start, end)));
      }),
      { numRuns: 2000 },
    );
  });

  it('isIdByte is the id pattern, for every byte', () => {
    for (let b = 0; b < 256; b++) expect(isIdByte(b)).toBe(/^[A-Za-z0-9_-]$/.test(String.fromCharCode(b)));
  });
});
