import assert from 'node:assert/strict';
import fc from 'fast-check';
import { binaryString } from '../../../tools/test/binaryString.js';
import { describe, expect, it } from 'vitest';
import {
  AUTH_TRAILER_BYTES,
  decode,
  decodeDatagram,
  encode,
  encodingLength,
  HEADER_BYTES,
  isProtocolDatagram,
  MAX_ACK_RANGES,
  MAX_DATAGRAM_BYTES,
  MAX_ID_BYTES,
  MAX_NAME_BYTES,
  MAX_TEXT_BYTES,
  type Message,
  ProtocolError,
  TOKEN_BYTES,
  utf8Length,
  HELLO_MIN_BYTES,
  createAuthKey,
} from '../src/index.js';
import { decodeIsTotal, messageArb } from './arbitraries.js';

// ---------------------------------------------------------------- helpers

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

/** The ProtocolError code `fn` throws; any other error fails the test. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'no error';
}

/** Builds a datagram: header FF 55 02 kind 00, then the given bytes. */
function datagram(kind: number, ...body: number[]): Uint8Array {
  return new Uint8Array([0xff, 0x55, 0x02, kind, 0x00, ...body]);
}
const str8 = (text: string): number[] => [utf8(text).length, ...utf8(text)];
const str16 = (text: string): number[] => [utf8(text).length >> 8, utf8(text).length & 0xff, ...utf8(text)];
const u32be = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function roundTrip(message: Message): Uint8Array {
  const bytes = encode(message);
  // node:assert: this runs thousands of times in the properties (an expect costs ~30 µs).
  assert.equal(bytes.length, encodingLength(message));
  assert.ok(bytes.length <= MAX_DATAGRAM_BYTES, `${bytes.length} bytes`);
  assert.deepEqual(decode(bytes), message);
  return bytes;
}

/** A 4-byte UTF-8 letter (U+20000, CJK Extension B). */
const WIDE = '𠀀';
const LONGEST_NAME = WIDE.repeat(32); // 32 code points, 128 bytes
const ID60 = 'A'.repeat(28) + 'z9_-'.repeat(8);

/** Exactly MAX_TEXT_BYTES of UTF-8: 197 emoji (788 bytes) + 2 ASCII. */
const LONGEST_TEXT = '👋'.repeat(197) + 'ok';

/** A session token: bytes 00 01 … 0f. */
const TOKEN = Uint8Array.from({ length: TOKEN_BYTES }, (_, i) => i);

const chat = (over: Partial<Extract<Message, { kind: 'chat' }>> = {}): Message => ({
  kind: 'chat',
  id: 'V1StGXR8_Z5jdHi6B-myT',
  from: 'alice',
  to: 'bob',
  epoch: 0x1a2b3c4d,
  seq: 3,
  base: 2,
  time: 1_767_225_600_000,
  text: 'hi',
  ...over,
});

const ack = (over: Partial<Extract<Message, { kind: 'ack' }>> = {}): Message => ({
  kind: 'ack',
  from: 'bob',
  to: 'alice',
  group: false,
  epoch: 0x1a2b3c4d,
  upTo: 3,
  ranges: [
    [5, 6],
    [9, 9],
  ],
  ...over,
});

/** MAX_ACK_RANGES ranges, the last one ending at 2^32-1. */
const MOST_RANGES: Array<[number, number]> = Array.from({ length: MAX_ACK_RANGES }, (_, i) =>
  i === MAX_ACK_RANGES - 1 ? [0xffff_fff0, 0xffff_ffff] : [10 * i + 2, 10 * i + 5],
);

const SAMPLES: Message[] = [
  { kind: 'hello', name: 'alice' },
  { kind: 'hello', name: 'alice', padding: 287 },
  { kind: 'welcome', name: '一棵树', address: '::ffff:127.0.0.1', port: 8081, heartbeatIntervalMs: 5000, presenceTimeoutMs: 15000, token: TOKEN, hostedByClient: false },
  { kind: 'welcome', name: 'a', address: '127.0.0.1', port: 8081, heartbeatIntervalMs: 5000, presenceTimeoutMs: 15000, token: TOKEN, hostedByClient: true },
  { kind: 'contacts', epoch: 7, version: 9, page: 1, pages: 3, contacts: [{ name: 'bob', type: 'client' }, { name: 'Zoë', type: 'plain' }] },
  { kind: 'join', epoch: 7, version: 9, name: 'bob', type: 'plain' },
  { kind: 'leave', epoch: 7, version: 9, name: 'bob', reason: 'bye' },
  chat({ text: '你好 bob 👋' }),
  { kind: 'heartbeat', seq: 1 },
  { kind: 'heartbeat-ack', seq: 1, epoch: 7, version: 9 },
  { kind: 'bye', reason: '' },
  { kind: 'error', code: 'NOT_REGISTERED', message: 'say hello first', ref: '' },
  { kind: 'relay-ack', id: 'V1StGXR8_Z5jdHi6B-myT', recipients: 2 },
  ack(),
  ack({ from: '', to: 'bob', group: true, upTo: 12, ranges: [] }),
  { kind: 'list', epoch: 7, version: 9 },
  { kind: 'rename', epoch: 7, version: 9, from: 'bob', name: '武大郎' },
  { kind: 'roster-delta', epoch: 7, from: 9, version: 11, changes: [{ name: 'bob', state: 'left-bye' }, { name: 'Zoë', state: 'plain' }] },
  { kind: 'identify', name: '武大郎', publicKey: new Uint8Array(32).fill(7), signature: new Uint8Array(64).fill(9) },
  { kind: 'challenge', name: 'bob', challenge: new Uint8Array(16).fill(3) },
  { kind: 'stored', id: 'V1StGXR8_Z5jdHi6B-myT', to: 'bob' },
  { kind: 'receipt', id: 'V1StGXR8_Z5jdHi6B-myT', by: '一棵树' },
  { kind: 'receipt-ack', id: 'V1StGXR8_Z5jdHi6B-myT' },
];

// ---------------------------------------------------------------- round trips

describe('round trip of every kind with edge values', () => {
  it('sizes of the constants agree with the worst-case chat', () => {
    // header + id + from + to + epoch + seq + base + time + text at their largest must fit
    const worst = HEADER_BYTES + (1 + MAX_ID_BYTES) + 2 * (1 + MAX_NAME_BYTES) + 4 + 4 + 4 + 8 + (2 + MAX_TEXT_BYTES);
    expect(worst).toBe(1136);
    // …even with a session token and an auth trailer: exactly the datagram limit
    expect(TOKEN_BYTES).toBe(16);
    expect(AUTH_TRAILER_BYTES).toBe(48);
    expect(worst + TOKEN_BYTES + AUTH_TRAILER_BYTES).toBe(MAX_DATAGRAM_BYTES);
    // and so must the largest ack: from + to + group + epoch + upTo + 32 ranges
    expect(HEADER_BYTES + 2 * (1 + MAX_NAME_BYTES) + 1 + 4 + 4 + (1 + 8 * MAX_ACK_RANGES)).toBe(529);
    expect(MAX_ACK_RANGES).toBe(32);
    expect(utf8Length(LONGEST_NAME)).toBe(MAX_NAME_BYTES);
    expect([...LONGEST_NAME].length).toBe(32);
    expect(utf8Length(LONGEST_TEXT)).toBe(MAX_TEXT_BYTES);
    expect(ID60.length).toBe(MAX_ID_BYTES);
  });

  it.each(SAMPLES.map((m) => [m.kind, m] as const))('%s (ordinary values)', (_kind, m) => {
    roundTrip(m);
  });

  it('hello with a 1-char name and with a 32-code-point 4-byte-UTF-8 name (128 bytes)', () => {
    expect(roundTrip({ kind: 'hello', name: 'a' }).length).toBe(9);
    expect(toHex(encode({ kind: 'hello', name: 'a' }))).toBe('ff5502010001' + '61' + '0000');
    expect(roundTrip({ kind: 'hello', name: LONGEST_NAME }).length).toBe(8 + 128);
  });

  it('hello padding: count P then P zero bytes, size 8 + N + P, up to the 1200-byte limit', () => {
    expect(toHex(roundTrip({ kind: 'hello', name: 'a', padding: 1 }))).toBe('ff5502010001' + '61' + '0001' + '00');
    expect(toHex(roundTrip({ kind: 'hello', name: 'a', padding: 3 }))).toBe('ff5502010001' + '61' + '0003' + '000000');
    for (const padding of [1, 2, 255, 256, 287, 1000]) {
      expect(encodingLength({ kind: 'hello', name: 'alice', padding }), `padding ${padding}`).toBe(13 + padding);
      const bytes = roundTrip({ kind: 'hello', name: 'alice', padding });
      expect(bytes.subarray(13).every((b) => b === 0)).toBe(true);
      expect((bytes[11]! << 8) | bytes[12]!).toBe(padding);
    }
    // the largest that fits: 1200 − 13
    expect(roundTrip({ kind: 'hello', name: 'alice', padding: 1187 }).length).toBe(MAX_DATAGRAM_BYTES);
  });

  it('hello padding 0 is written as count 0 and decoded as no padding property', () => {
    const bytes = encode({ kind: 'hello', name: 'a', padding: 0 });
    expect(toHex(bytes)).toBe('ff5502010001' + '61' + '0000');
    expect(decode(bytes)).toStrictEqual({ kind: 'hello', name: 'a' });
    expect('padding' in decode(bytes)).toBe(false);
  });

  it('welcome with extreme port and intervals and a 64-byte address', () => {
    for (const [port, interval] of [
      [0, 0],
      [65535, 0xffff_ffff],
    ] as const) {
      const bytes = roundTrip({
        kind: 'welcome',
        name: LONGEST_NAME,
        address: 'f'.repeat(64),
        port,
        heartbeatIntervalMs: interval,
        presenceTimeoutMs: interval,
        token: new Uint8Array(TOKEN_BYTES).fill(port === 0 ? 0 : 0xff),
        hostedByClient: port !== 0,
      });
      // 34 + N + A: the largest welcome, 274 with an auth trailer (what a padded hello pays for)
      expect(bytes.length).toBe(34 + 128 + 64);
      expect(bytes.length + AUTH_TRAILER_BYTES).toBe(274);
      expect(bytes.length + AUTH_TRAILER_BYTES).toBeLessThanOrEqual(HELLO_MIN_BYTES);
    }
  });

  it('the largest message of every relay -> client kind but contacts fits one datagram with a token and an auth trailer', () => {
    const id = 'i'.repeat(MAX_ID_BYTES);
    const largest: Message[] = [
      { kind: 'welcome', name: LONGEST_NAME, address: 'f'.repeat(64), port: 65535, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: TOKEN, hostedByClient: true },
      { kind: 'join', epoch: 7, version: 9, name: LONGEST_NAME, type: 'plain' },
      { kind: 'leave', epoch: 7, version: 9, name: LONGEST_NAME, reason: 'timeout' },
      { kind: 'rename', epoch: 7, version: 9, from: LONGEST_NAME, name: LONGEST_NAME },
      chat({ id, from: LONGEST_NAME, to: LONGEST_NAME, text: 'x'.repeat(MAX_TEXT_BYTES) }),
      { kind: 'heartbeat-ack', seq: 1, epoch: 7, version: 9 },
      { kind: 'bye', reason: 'x'.repeat(255) },
      { kind: 'error', code: 'C'.repeat(64), message: 'm'.repeat(512), ref: id },
      { kind: 'relay-ack', id, recipients: 65535 },
      ack({ from: LONGEST_NAME, to: LONGEST_NAME, ranges: MOST_RANGES }),
    ];
    for (const m of largest) {
      const envelope = { token: TOKEN, auth: createAuthKey('any secret'), time: 1, nonce: new Uint8Array(8) };
      expect(encodingLength(m, envelope), m.kind).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    }
  });

  it('welcome: the token is the 16 bytes before the last one (hostedByClient), decoded as a Uint8Array', () => {
    const m: Message = { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 2, presenceTimeoutMs: 3, token: TOKEN, hostedByClient: true };
    const bytes = roundTrip(m);
    expect(bytes.length).toBe(34 + 1 + 1);
    expect(toHex(bytes.subarray(-17, -1))).toBe('000102030405060708090a0b0c0d0e0f');
    expect(bytes.at(-1)).toBe(1);
    const token = (decode(bytes) as Extract<Message, { kind: 'welcome' }>).token;
    expect(token).toBeInstanceOf(Uint8Array);
    expect(token).toHaveLength(TOKEN_BYTES);
    // a Buffer is a Uint8Array too, and encodes the same
    expect(toHex(encode({ ...m, token: Buffer.from(TOKEN) }))).toBe(toHex(bytes));
  });

  it('list: the header and a roster version, 13 bytes', () => {
    expect(toHex(roundTrip({ kind: 'list', epoch: 7, version: 9 }))).toBe('ff55020d00' + '00000007' + '00000009');
    expect(toHex(roundTrip({ kind: 'list', epoch: 0, version: 0 }))).toBe('ff55020d00' + '00000000' + '00000000');
  });

  it('roster-delta: up to date (no changes), every state, a count of changes', () => {
    expect(toHex(roundTrip({ kind: 'roster-delta', epoch: 7, from: 9, version: 9, changes: [] }))).toBe('ff55020f00' + '00000007' + '00000009' + '00000009' + '0000');
    const states = ['client', 'plain', 'left-bye', 'left-timeout'] as const;
    const changes = states.map((state) => ({ name: 'a', state }));
    expect(toHex(roundTrip({ kind: 'roster-delta', epoch: 7, from: 9, version: 13, changes }))).toBe(
      'ff55020f00' + '00000007' + '00000009' + '0000000d' + '0004' + '016101' + '016102' + '016103' + '016104',
    );
  });

  it('contacts: empty page, max page numbers, 9 longest names', () => {
    expect(roundTrip({ kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: [] }).length).toBe(19);
    roundTrip({ kind: 'contacts', epoch: 7, version: 9, page: 65535, pages: 65535, contacts: [{ name: 'x', type: 'client' }] });
    const nine = Array.from({ length: 9 }, (_, i) => ({ name: LONGEST_NAME, type: i % 2 ? 'plain' : 'client' }) as const);
    expect(roundTrip({ kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: nine }).length).toBe(19 + 9 * 130);
  });

  it('join and leave with every enum value', () => {
    const v = '00000007' + '00000009';
    expect(toHex(roundTrip({ kind: 'join', epoch: 7, version: 9, name: 'a', type: 'client' }))).toBe('ff55020400' + v + '0161' + '01');
    expect(toHex(roundTrip({ kind: 'join', epoch: 7, version: 9, name: 'a', type: 'plain' }))).toBe('ff55020400' + v + '0161' + '02');
    expect(toHex(roundTrip({ kind: 'leave', epoch: 7, version: 9, name: 'a', reason: 'bye' }))).toBe('ff55020500' + v + '0161' + '01');
    expect(toHex(roundTrip({ kind: 'leave', epoch: 7, version: 9, name: 'a', reason: 'timeout' }))).toBe('ff55020500' + v + '0161' + '02');
  });

  it('chat at its largest: 60-char id, 128-byte from/to, epoch/seq/base 2^32-1, time 2^53-1, text of exactly MAX_TEXT_BYTES', () => {
    const bytes = roundTrip(
      chat({
        id: ID60,
        from: LONGEST_NAME,
        to: LONGEST_NAME,
        epoch: 0xffff_ffff,
        seq: 0xffff_ffff,
        base: 0xffff_ffff,
        time: Number.MAX_SAFE_INTEGER,
        text: LONGEST_TEXT,
      }),
    );
    expect(bytes.length).toBe(30 + 60 + 128 + 128 + 790);
    // epoch, seq, base, time: the 4 + 4 + 4 + 8 bytes after id, from and to
    const s = 5 + 61 + 129 + 129;
    expect(toHex(bytes.subarray(s, s + 20))).toBe('ffffffff' + 'ffffffff' + 'ffffffff' + '001fffffffffffff');
  });

  it('chat at its smallest: 1-char id, empty from, epoch/seq/base 0, time 0, empty text', () => {
    expect(toHex(roundTrip(chat({ id: 'A', from: '', to: 'b', epoch: 0, seq: 0, base: 0, time: 0, text: '' })))).toBe(
      'ff55020600' + '0141' + '00' + '0162' + '00000000' + '00000000' + '00000000' + '0000000000000000' + '0000',
    );
  });

  it('chat epoch, seq and base are written big-endian, in that order, between to and time', () => {
    const hex = toHex(roundTrip(chat({ id: 'A', from: '', to: 'b', epoch: 0xa1b2c3d4, seq: 0x01020304, base: 0x0a0b0c0d, time: 0, text: '' })));
    expect(hex).toBe('ff55020600' + '0141' + '00' + '0162' + 'a1b2c3d4' + '01020304' + '0a0b0c0d' + '0000000000000000' + '0000');
    // the codec does not relate them: base above seq round-trips too
    roundTrip(chat({ seq: 1, base: 0xffff_ffff }));
  });

  it('relay-ack with 1-char and 60-char ids, recipients 0 and 65535', () => {
    expect(toHex(roundTrip({ kind: 'relay-ack', id: 'A', recipients: 0 }))).toBe('ff55020b00' + '0141' + '0000');
    expect(toHex(roundTrip({ kind: 'relay-ack', id: ID60, recipients: 0xffff }))).toBe(
      'ff55020b00' + '3c' + toHex(new TextEncoder().encode(ID60)) + 'ffff',
    );
  });

  it('ack at its smallest: empty from, 1-byte to, false, epoch 0, upTo 0, no range', () => {
    expect(toHex(roundTrip(ack({ from: '', to: 'b', group: false, epoch: 0, upTo: 0, ranges: [] })))).toBe(
      'ff55020c00' + '00' + '0162' + '00' + '00000000' + '00000000' + '00',
    );
    expect(toHex(roundTrip(ack({ from: '', to: 'b', group: true, epoch: 0x0a0b0c0d, upTo: 0, ranges: [] })))).toBe(
      'ff55020c00' + '00' + '0162' + '01' + '0a0b0c0d' + '00000000' + '00',
    );
  });

  it('ack at its largest: 128-byte from/to, epoch and upTo 2^32-1, 32 ranges up to 2^32-1', () => {
    const bytes = roundTrip(ack({ from: LONGEST_NAME, to: LONGEST_NAME, group: true, epoch: 0xffff_ffff, upTo: 0xffff_ffff, ranges: MOST_RANGES }));
    expect(bytes.length).toBe(529);
    const r = 5 + 129 + 129;
    expect(toHex(bytes.subarray(r, r + 10))).toBe('01' + 'ffffffff' + 'ffffffff' + '20');
    expect(toHex(bytes.subarray(-8))).toBe('fffffff0' + 'ffffffff');
  });

  it('ack ranges: one-seq ranges, ranges of the whole u32 space, order kept as given', () => {
    roundTrip(ack({ ranges: [[0, 0]] }));
    roundTrip(ack({ ranges: [[0, 0xffff_ffff]] }));
    roundTrip(ack({ ranges: Array.from({ length: MAX_ACK_RANGES }, () => [0xffff_ffff, 0xffff_ffff] as [number, number]) }));
    // the codec does not sort or merge: that is the sender's business
    const bytes = roundTrip(ack({ upTo: 0, ranges: [[9, 9], [2, 3], [2, 3]] }));
    expect(toHex(bytes.subarray(-25))).toBe('03' + '00000009' + '00000009' + '00000002' + '00000003' + '00000002' + '00000003');
  });

  it('chat text with NUL, control characters, BOM and astral characters survives byte-exactly', () => {
    roundTrip(chat({ text: '\uFEFF\u0000\u001b[31m\uFEFFa\u0301 \u{10FFFF} 𝄞' }));
  });

  it('heartbeat and heartbeat-ack with seq 0 and max u32', () => {
    for (const seq of [0, 0xffff_ffff]) {
      expect(roundTrip({ kind: 'heartbeat', seq }).length).toBe(9);
      expect(roundTrip({ kind: 'heartbeat-ack', seq, epoch: 7, version: 9 }).length).toBe(17);
    }
    expect(toHex(encode({ kind: 'heartbeat', seq: 0xffff_ffff }))).toBe('ff55020700ffffffff');
  });

  it('bye with an empty reason and a 255-byte reason', () => {
    expect(roundTrip({ kind: 'bye', reason: '' }).length).toBe(6);
    const reason = 'é'.repeat(127) + 'a';
    expect(utf8Length(reason)).toBe(255);
    expect(roundTrip({ kind: 'bye', reason }).length).toBe(6 + 255);
  });

  it('error with empty message and ref, and with every field at its largest', () => {
    expect(roundTrip({ kind: 'error', code: 'X', message: '', ref: '' }).length).toBe(10);
    expect(roundTrip({ kind: 'error', code: 'C'.repeat(64), message: 'm'.repeat(512), ref: 'r'.repeat(MAX_ID_BYTES) }).length).toBe(
      9 + 64 + 512 + 60,
    );
  });

  it('ignores properties that are not fields', () => {
    const bytes = encode({ kind: 'heartbeat', seq: 3, extra: 'x' } as unknown as Message);
    expect(decode(bytes)).toStrictEqual({ kind: 'heartbeat', seq: 3 });
  });

  it('writes a lone UTF-16 surrogate as U+FFFD (documented; the wire stays well-formed UTF-8)', () => {
    const m = { kind: 'hello', name: 'a\uD800' } as const;
    expect(encodingLength(m)).toBe(8 + 4);
    expect(toHex(encode(m))).toBe('ff5502010004' + '61' + 'efbfbd' + '0000');
    expect(decode(encode(m))).toStrictEqual({ kind: 'hello', name: 'a\uFFFD' });
  });
});

// ---------------------------------------------------------------- encode refuses

describe('encode refuses', () => {
  const bad = (m: unknown) => codeOf(() => encode(m as Message));
  const lengthOf = (m: unknown) => codeOf(() => encodingLength(m as Message));

  it.each<[string, unknown]>([
    ['a number as name', { kind: 'hello', name: 42 }],
    ['a missing name', { kind: 'hello' }],
    ['an empty name', { kind: 'hello', name: '' }],
    ['a 129-byte name', { kind: 'hello', name: LONGEST_NAME + 'a' }],
    ['a padding of 65536', { kind: 'hello', name: 'a', padding: 65536 }],
    ['a negative padding', { kind: 'hello', name: 'a', padding: -1 }],
    ['a fractional padding', { kind: 'hello', name: 'a', padding: 1.5 }],
    ['a padding as a string', { kind: 'hello', name: 'a', padding: '3' }],
    ['a null padding', { kind: 'hello', name: 'a', padding: null }],
    ['a welcome without token', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1 }],
    ['a 15-byte token', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: new Uint8Array(15) }],
    ['a 17-byte token', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: new Uint8Array(17) }],
    ['a token as an array', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: [...TOKEN] }],
    ['a token as hex', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: '000102030405060708090a0b0c0d0e0f' }],
    ['a token as a Uint16Array', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: new Uint16Array(16) }],
    ['an empty address', { kind: 'welcome', name: 'a', address: '', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1 }],
    ['a port of 65536', { kind: 'welcome', name: 'a', address: 'h', port: 65536, heartbeatIntervalMs: 1, presenceTimeoutMs: 1 }],
    ['a negative port', { kind: 'welcome', name: 'a', address: 'h', port: -1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1 }],
    ['a fractional port', { kind: 'welcome', name: 'a', address: 'h', port: 1.5, heartbeatIntervalMs: 1, presenceTimeoutMs: 1 }],
    ['a port as a string', { kind: 'welcome', name: 'a', address: 'h', port: '80', heartbeatIntervalMs: 1, presenceTimeoutMs: 1 }],
    ['a NaN interval', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: NaN, presenceTimeoutMs: 1 }],
    ['a welcome without hostedByClient', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: TOKEN }],
    ['hostedByClient as 1', { kind: 'welcome', name: 'a', address: 'h', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: TOKEN, hostedByClient: 1 }],
    ['a seq of 2^32', { kind: 'heartbeat', seq: 2 ** 32 }],
    ['an Infinity seq', { kind: 'heartbeat-ack', seq: Infinity, epoch: 7, version: 9 }],
    ['a time of 2^53', chat({ time: 2 ** 53 })],
    ['a negative time', chat({ time: -1 })],
    ['a bigint time', chat({ time: 1n as unknown as number })],
    ['a text of MAX_TEXT_BYTES + 1 bytes', chat({ text: LONGEST_TEXT + '!' })],
    ['an empty id', chat({ id: '' })],
    ['an id with a space', chat({ id: 'abc def' })],
    ['an id with non-ASCII letters', chat({ id: '日本' })],
    ['an id with a dot', chat({ id: 'a.b' })],
    ['a 61-char id', chat({ id: ID60 + 'x' })],
    ['an empty to', chat({ to: '' })],
    ['a 129-byte from', chat({ from: LONGEST_NAME + 'a' })],
    ['an unknown contact kind', { kind: 'join', epoch: 7, version: 9, name: 'a', type: 'robot' }],
    ['an unknown leave reason', { kind: 'leave', epoch: 7, version: 9, name: 'a', reason: 'kicked' }],
    ['contacts that are not an array', { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: 'bob' }],
    ['a null contact entry', { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: [null] }],
    ['a contact entry with an empty name', { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: [{ name: '', type: 'client' }] }],
    ['a contact entry without type', { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: [{ name: 'a' }] }],
    ['a sparse contacts array', { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: new Array(2) }],
    ['an error message of 513 bytes', { kind: 'error', code: 'X', message: 'm'.repeat(513), ref: '' }],
    ['an empty error code', { kind: 'error', code: '', message: '', ref: '' }],
    ['a bye reason of 256 bytes', { kind: 'bye', reason: 'r'.repeat(256) }],
    ['a chat seq of 2^32', chat({ seq: 2 ** 32 })],
    ['a negative chat seq', chat({ seq: -1 })],
    ['a fractional chat base', chat({ base: 1.5 })],
    ['a chat base as a string', chat({ base: '2' as unknown as number })],
    ['a chat without seq', chat({ seq: undefined })],
    ['a chat without base', chat({ base: undefined })],
    ['a chat epoch of 2^32', chat({ epoch: 2 ** 32 })],
    ['a chat without epoch', chat({ epoch: undefined })],
    ['an ack epoch of -1', ack({ epoch: -1 })],
    ['a relay-ack with an empty id', { kind: 'relay-ack', id: '', recipients: 1 }],
    ['a relay-ack with an id with a space', { kind: 'relay-ack', id: 'a b', recipients: 1 }],
    ['a relay-ack with recipients 65536', { kind: 'relay-ack', id: 'A', recipients: 65536 }],
    ['a relay-ack with negative recipients', { kind: 'relay-ack', id: 'A', recipients: -1 }],
    ['an ack with an empty to', ack({ to: '' })],
    ['an ack with a 129-byte from', ack({ from: LONGEST_NAME + 'a' })],
    ['an ack with a 129-byte to', ack({ to: LONGEST_NAME + 'a' })],
    ['an ack with group 1', ack({ group: 1 as unknown as boolean })],
    ['an ack with group 0', ack({ group: 0 as unknown as boolean })],
    ['an ack with group "true"', ack({ group: 'true' as unknown as boolean })],
    ['an ack without group', ack({ group: undefined })],
    ['an ack with upTo 2^32', ack({ upTo: 2 ** 32 })],
    ['an ack with a negative upTo', ack({ upTo: -1 })],
    ['an ack with 33 ranges', ack({ ranges: [...MOST_RANGES, [1, 1]] })],
    ['an ack with ranges that are not an array', ack({ ranges: '5-6' as unknown as Array<[number, number]> })],
    ['an ack without ranges', ack({ ranges: undefined })],
    ['an ack with a range that is a number', ack({ ranges: [5 as unknown as [number, number]] })],
    ['an ack with a null range', ack({ ranges: [null as unknown as [number, number]] })],
    ['an ack with a one-element range', ack({ ranges: [[5] as unknown as [number, number]] })],
    ['an ack with a three-element range', ack({ ranges: [[5, 6, 7] as unknown as [number, number]] })],
    ['an ack with a range object', ack({ ranges: [{ 0: 5, 1: 6, length: 2 } as unknown as [number, number]] })],
    ['an ack with a sparse ranges array', ack({ ranges: new Array(1) })],
    ['an ack with a hole in a range', ack({ ranges: [new Array(2) as [number, number]] })],
    ['an ack with a range as strings', ack({ ranges: [['5', '6'] as unknown as [number, number]] })],
    ['an ack with a fractional range end', ack({ ranges: [[5, 6.5]] })],
    ['an ack with a range end of 2^32', ack({ ranges: [[5, 2 ** 32]] })],
    ['an ack with a negative range start', ack({ ranges: [[-1, 6]] })],
    ['an ack with a range first > last', ack({ ranges: [[6, 5]] })],
    ['an ack with a later range first > last', ack({ ranges: [[1, 2], [3, 4], [0xffff_ffff, 0]] })],
  ])('%s with BAD_FIELD', (_what, m) => {
    expect(bad(m)).toBe('BAD_FIELD');
    expect(lengthOf(m)).toBe('BAD_FIELD');
  });

  it.each<[string, unknown]>([
    ['an unknown kind', { kind: 'nope' }],
    ['a missing kind', { name: 'a' }],
    ['a kind of another case', { kind: 'Hello', name: 'a' }],
    ['a prototype property as kind', { kind: 'toString' }],
    ['constructor as kind', { kind: 'constructor' }],
    ['null', null],
    ['a string', 'hello'],
  ])('%s with UNKNOWN_KIND', (_what, m) => {
    expect(bad(m)).toBe('UNKNOWN_KIND');
    expect(lengthOf(m)).toBe('UNKNOWN_KIND');
  });

  it('a contacts page of 1201 bytes with OVERSIZE, while 1200 bytes encode', () => {
    // 19 + 9 × (2 + 128) + (2 + 9) = 1200
    const contacts = [
      ...Array.from({ length: 9 }, () => ({ name: LONGEST_NAME, type: 'client' }) as const),
      { name: 'a'.repeat(9), type: 'plain' } as const,
    ];
    const fits: Message = { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts };
    expect(encode(fits).length).toBe(MAX_DATAGRAM_BYTES);
    expect(decode(encode(fits))).toStrictEqual(fits);

    const over: Message = { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: [...contacts.slice(0, 9), { name: 'a'.repeat(10), type: 'plain' }] };
    expect(encodingLength(over)).toBe(1201); // encodingLength reports, encode refuses
    expect(bad(over)).toBe('OVERSIZE');
  });

  it('a hello padded past 1200 bytes with OVERSIZE (encodingLength still reports its size)', () => {
    expect(encodingLength({ kind: 'hello', name: 'alice', padding: 1188 })).toBe(1201);
    expect(bad({ kind: 'hello', name: 'alice', padding: 1188 })).toBe('OVERSIZE');
    expect(encodingLength({ kind: 'hello', name: 'alice', padding: 65535 })).toBe(13 + 65535);
    expect(bad({ kind: 'hello', name: 'alice', padding: 65535 })).toBe('OVERSIZE');
  });

  it('a contacts page of many short entries with OVERSIZE', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ name: `u${i}`, type: 'client' }) as const);
    expect(bad({ kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: many })).toBe('OVERSIZE');
  });
});

// ---------------------------------------------------------------- decode, one test per code

describe('decode rejects', () => {
  const code = (bytes: Uint8Array | number[]) => codeOf(() => decode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));

  it('BAD_MAGIC: empty, one byte, plain text, swapped or wrong magic', () => {
    expect(code([])).toBe('BAD_MAGIC');
    expect(code([0xff])).toBe('BAD_MAGIC');
    expect(code(utf8('hello bob'))).toBe('BAD_MAGIC');
    expect(code(utf8('你好 👋'))).toBe('BAD_MAGIC');
    expect(code([0x55, 0xff, 0x01, 0x07, 0x00, 0, 0, 0, 1])).toBe('BAD_MAGIC');
    expect(code([0xfe, 0x55, 0x02, 0x07, 0x00, 0, 0, 0, 1])).toBe('BAD_MAGIC');
    expect(code([0xff, 0x54, 0x01, 0x07, 0x00, 0, 0, 0, 1])).toBe('BAD_MAGIC');
  });

  it('BAD_VERSION: every version byte but 2', () => {
    for (let v = 0; v < 256; v++) {
      const bytes = [0xff, 0x55, v, 0x07, 0x00, 0, 0, 0, 1];
      expect(code(bytes), `version ${v}`).toBe(v === 2 ? 'no error' : 'BAD_VERSION');
    }
  });

  it('BAD_FLAGS: each of the reserved bits 0x04–0x80, alone or with the defined ones, on a known kind', () => {
    // a heartbeat with room for a token and a trailer, so that only the flags can be wrong
    const body = [...TOKEN, 0, 0, 0, 1, ...new Array(AUTH_TRAILER_BYTES).fill(0)];
    for (let bit = 2; bit < 8; bit++) {
      for (const defined of [0x00, 0x01, 0x02, 0x03]) {
        expect(code([0xff, 0x55, 0x02, 0x07, (1 << bit) | defined, ...body]), `bit ${bit}`).toBe('BAD_FLAGS');
      }
    }
    expect(code([0xff, 0x55, 0x02, 0x07, 0xff, 0, 0, 0, 1])).toBe('BAD_FLAGS');
    expect(code([0xff, 0x55, 0x02, 0x07, 0xfc, 0, 0, 0, 1])).toBe('BAD_FLAGS');
  });

  it('flags 0x01 and 0x02 are not BAD_FLAGS: they announce a token and a trailer', () => {
    const seq = [0, 0, 0, 1];
    const trailer = new Array(AUTH_TRAILER_BYTES).fill(0);
    expect(code([0xff, 0x55, 0x02, 0x07, 0x00, ...seq])).toBe('no error');
    expect(code([0xff, 0x55, 0x02, 0x07, 0x01, ...TOKEN, ...seq])).toBe('no error');
    expect(code([0xff, 0x55, 0x02, 0x07, 0x02, ...seq, ...trailer])).toBe('no error');
    expect(code([0xff, 0x55, 0x02, 0x07, 0x03, ...TOKEN, ...seq, ...trailer])).toBe('no error');
    // the same bytes with the flags they do not match
    expect(code([0xff, 0x55, 0x02, 0x07, 0x00, ...TOKEN, ...seq])).toBe('TRAILING_BYTES');
    expect(code([0xff, 0x55, 0x02, 0x07, 0x01, ...seq])).toBe('TRUNCATED');
    expect(code([0xff, 0x55, 0x02, 0x07, 0x02, ...seq])).toBe('TRUNCATED');
  });

  it('UNKNOWN_KIND: every kind byte but 0x01–0x0f and 0x12–0x16 (checked before the flags)', () => {
    for (let k = 0; k < 256; k++) {
      const c = code([0xff, 0x55, 0x02, k, 0x00]);
      if ((k >= 0x01 && k <= 0x0f) || (k >= 0x12 && k <= 0x16)) expect(c, `kind ${k}`).toBe('TRUNCATED');
      else expect(c, `kind ${k}`).toBe('UNKNOWN_KIND');
    }
    expect(code([0xff, 0x55, 0x02, 0x10, 0xff])).toBe('UNKNOWN_KIND');
    expect(code([0xff, 0x55, 0x02, 0x0d, 0xff])).toBe('BAD_FLAGS');
    expect(code([0xff, 0x55, 0x02, 0x0c, 0xff])).toBe('BAD_FLAGS');
  });

  it('TRUNCATED: header cut after the magic or the version, field cut short', () => {
    expect(code([0xff, 0x55])).toBe('TRUNCATED');
    expect(code([0xff, 0x55, 0x02])).toBe('TRUNCATED');
    expect(code([0xff, 0x55, 0x02, 0x07])).toBe('TRUNCATED');
    expect(code(datagram(0x07, 0, 0, 0))).toBe('TRUNCATED');
    const epochSeqBase = [...u32be(9), ...u32be(1), ...u32be(1)];
    expect(code(datagram(0x06, ...str8('A'), ...str8(''), ...str8('b'), ...epochSeqBase, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x05, 0x61))).toBe('TRUNCATED');
    // a chat without seq/base (the layout before they existed) is cut short in time
    expect(code(datagram(0x06, ...str8('A'), ...str8(''), ...str8('b'), 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x61))).toBe('TRUNCATED');
    // a chat without epoch (the layout before it existed) is cut short in its text
    expect(code(datagram(0x06, ...str8('A'), ...str8(''), ...str8('b'), ...u32be(1), ...u32be(1), 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x61))).toBe('TRUNCATED');
    expect(code(datagram(0x0b, ...str8('A'), 0))).toBe('TRUNCATED');
    // ack: cut in epoch, in upTo, before the range count, in a range
    expect(code(datagram(0x0c, ...str8(''), ...str8('b'), 0, 0, 0, 0))).toBe('TRUNCATED');
    expect(code(datagram(0x0c, ...str8(''), ...str8('b'), 0, ...u32be(9), 0, 0, 0))).toBe('TRUNCATED');
    expect(code(datagram(0x0c, ...str8(''), ...str8('b'), 0, ...u32be(9), ...u32be(3)))).toBe('TRUNCATED');
    expect(code(datagram(0x0c, ...str8(''), ...str8('b'), 0, ...u32be(9), ...u32be(3), 2, ...u32be(5), ...u32be(6), ...u32be(9)))).toBe('TRUNCATED');
    expect(code(datagram(0x0c, ...str8(''), ...str8('b'), 0, ...u32be(9), ...u32be(3), 32))).toBe('TRUNCATED');
    // an ack without epoch (the layout before it existed) is cut short
    expect(code(datagram(0x0c, ...str8(''), ...str8('b'), 0, ...u32be(3), 0))).toBe('TRUNCATED');
  });

  it('BAD_FIELD: string limits, empty strings, id alphabet, enum values, u64 above 2^53-1', () => {
    const time0 = [0, 0, 0, 0, 0, 0, 0, 0];
    const chatBytes = (id: string, time: number[], text: string) =>
      datagram(0x06, ...str8(id), ...str8(''), ...str8('b'), ...u32be(9), ...u32be(3), ...u32be(2), ...time, ...str16(text));
    expect(code(chatBytes('A', time0, 'x'))).toBe('no error');
    expect(code(chatBytes('A', time0, 'x'.repeat(MAX_TEXT_BYTES)))).toBe('no error');
    expect(code(chatBytes('A', time0, 'x'.repeat(MAX_TEXT_BYTES + 1)))).toBe('BAD_FIELD');
    expect(code(chatBytes('a.b', time0, 'x'))).toBe('BAD_FIELD');
    expect(code(chatBytes('', time0, 'x'))).toBe('BAD_FIELD');
    expect(code(chatBytes('A'.repeat(MAX_ID_BYTES), time0, 'x'))).toBe('no error');
    expect(code(chatBytes('A'.repeat(MAX_ID_BYTES + 1), time0, 'x'))).toBe('BAD_FIELD');
    expect(code(chatBytes('A', [0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 'x'))).toBe('no error');
    expect(code(chatBytes('A', [0x00, 0x20, 0, 0, 0, 0, 0, 0], 'x'))).toBe('BAD_FIELD');
    expect(code(chatBytes('A', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 'x'))).toBe('BAD_FIELD');
    expect(code(datagram(0x01, ...str8('a'.repeat(129))))).toBe('BAD_FIELD');
    expect(code(datagram(0x02, ...str8('a'), ...str8('h'.repeat(65)), 0, 1, 0, 0, 0, 1, 0, 0, 0, 1))).toBe('BAD_FIELD');
    expect(code(datagram(0x0a, ...str8('X'), ...str16('m'.repeat(513)), ...str8('')))).toBe('BAD_FIELD');
    const v = [0, 0, 0, 7, 0, 0, 0, 9]; // epoch 7, version 9
    expect(code(datagram(0x04, ...v, ...str8('a'), 0))).toBe('BAD_FIELD');
    expect(code(datagram(0x05, ...v, ...str8('a'), 3))).toBe('BAD_FIELD');
    // one entry with an empty name (plus a byte, so the 3-bytes-per-entry pre-check passes)
    expect(code(datagram(0x03, ...v, 0, 0, 0, 1, 0, 1, ...str8(''), 1, 0))).toBe('BAD_FIELD');
    expect(code(datagram(0x03, ...v, 0, 0, 0, 1, 0, 1, ...str8('a'), 1))).toBe('no error');
    // roster-delta: states 1-4 only, names non-empty
    expect(code(datagram(0x0f, ...v, 0, 0, 0, 10, 0, 1, ...str8('a'), 4))).toBe('no error');
    expect(code(datagram(0x0f, ...v, 0, 0, 0, 10, 0, 1, ...str8('a'), 0))).toBe('BAD_FIELD');
    expect(code(datagram(0x0f, ...v, 0, 0, 0, 10, 0, 1, ...str8('a'), 5))).toBe('BAD_FIELD');
    expect(code(datagram(0x0f, ...v, 0, 0, 0, 10, 0, 1, ...str8(''), 1, 0))).toBe('BAD_FIELD');
    // relay-ack: id alphabet and emptiness
    expect(code(datagram(0x0b, ...str8('A'), 0, 1))).toBe('no error');
    expect(code(datagram(0x0b, ...str8(''), 0, 1))).toBe('BAD_FIELD');
    expect(code(datagram(0x0b, ...str8('a.b'), 0, 1))).toBe('BAD_FIELD');
    // ack: empty to, 129-byte from
    expect(code(datagram(0x0c, ...str8(''), ...str8(''), 0, ...u32be(0), 0))).toBe('BAD_FIELD');
    expect(code(datagram(0x0c, ...str8('a'.repeat(129)), ...str8('b'), 0, ...u32be(0), 0))).toBe('BAD_FIELD');
  });

  it('BAD_FIELD: a hello padding byte other than 0, wherever it is; TRUNCATED: a padding count beyond the end', () => {
    const hello = (...padding: number[]) => datagram(0x01, ...str8('alice'), padding.length >> 8, padding.length & 0xff, ...padding);
    expect(decode(hello(0, 0, 0))).toStrictEqual({ kind: 'hello', name: 'alice', padding: 3 });
    for (let at = 0; at < 3; at++) {
      for (const value of [1, 0x80, 0xff]) {
        const padding = [0, 0, 0];
        padding[at] = value;
        expect(code(hello(...padding)), `byte ${at} = ${value}`).toBe('BAD_FIELD');
      }
    }
    expect(code(datagram(0x01, ...str8('alice'), 0, 4, 0, 0, 0))).toBe('TRUNCATED');
    expect(code(datagram(0x01, ...str8('alice'), 0xff, 0xff))).toBe('TRUNCATED');
    expect(code(datagram(0x01, ...str8('alice'), 0))).toBe('TRUNCATED');
    expect(code(datagram(0x01, ...str8('alice')))).toBe('TRUNCATED'); // the layout before padding existed
  });

  it('BAD_FIELD: an ack whose group byte is neither 0 nor 1', () => {
    const ackBytes = (group: number) => datagram(0x0c, ...str8(''), ...str8('b'), group, ...u32be(9), ...u32be(7), 0);
    expect(decode(ackBytes(0))).toStrictEqual({ kind: 'ack', from: '', to: 'b', group: false, epoch: 9, upTo: 7, ranges: [] });
    expect(decode(ackBytes(1))).toStrictEqual({ kind: 'ack', from: '', to: 'b', group: true, epoch: 9, upTo: 7, ranges: [] });
    for (let g = 2; g < 256; g++) expect(code(ackBytes(g)), `group ${g}`).toBe('BAD_FIELD');
  });

  it('BAD_FIELD: an ack with more than 32 ranges, refused from the count alone', () => {
    const ackBytes = (count: number, ranges: number) =>
      datagram(0x0c, ...str8(''), ...str8('b'), 0, ...u32be(9), ...u32be(0), count, ...Array.from({ length: ranges }, (_, i) => [...u32be(i), ...u32be(i)]).flat());
    expect(code(ackBytes(32, 32))).toBe('no error');
    expect(code(ackBytes(33, 33))).toBe('BAD_FIELD');
    expect(code(ackBytes(33, 0))).toBe('BAD_FIELD'); // not TRUNCATED: the count is checked first
    for (const count of [34, 0x80, 0xff]) expect(code(ackBytes(count, 0)), `count ${count}`).toBe('BAD_FIELD');
  });

  it('BAD_FIELD: an ack range whose first is above its last, wherever it is', () => {
    const ackBytes = (...ranges: Array<[number, number]>) =>
      datagram(0x0c, ...str8(''), ...str8('b'), 0, ...u32be(9), ...u32be(0), ranges.length, ...ranges.flatMap(([a, b]) => [...u32be(a), ...u32be(b)]));
    expect(code(ackBytes([5, 5], [0, 0xffff_ffff]))).toBe('no error');
    expect(code(ackBytes([6, 5]))).toBe('BAD_FIELD');
    expect(code(ackBytes([0xffff_ffff, 0]))).toBe('BAD_FIELD');
    expect(code(ackBytes([1, 2], [3, 4], [8, 7]))).toBe('BAD_FIELD');
    // checked as it is read: a bad range before a cut is BAD_FIELD, a cut before a bad range TRUNCATED
    const badThenCut = ackBytes([8, 7], [1, 2]);
    expect(code(badThenCut.subarray(0, badThenCut.length - 1))).toBe('BAD_FIELD');
    const cutThenBad = ackBytes([1, 2], [8, 7]);
    expect(code(cutThenBad.subarray(0, cutThenBad.length - 9))).toBe('TRUNCATED');
  });

  it.each([
    ['overlong /', [0xc0, 0xaf]],
    ['overlong NUL', [0xc0, 0x80]],
    ['C1 lead', [0xc1, 0xbf]],
    ['3-byte overlong', [0xe0, 0x80, 0xaf]],
    ['surrogate U+D800', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['F5 lead', [0xf5, 0x80, 0x80, 0x80]],
    ['FF byte', [0x61, 0xff]],
    ['lone continuation', [0x80]],
    ['cut 3-byte sequence', [0xe4, 0xb8]],
  ])('BAD_UTF8: %s', (_what, raw) => {
    expect(code(datagram(0x01, raw.length, ...raw))).toBe('BAD_UTF8');
    expect(
      code(datagram(0x06, ...str8('A'), ...str8(''), ...str8('b'), ...u32be(9), ...u32be(1), ...u32be(0), 0, 0, 0, 0, 0, 0, 0, 0, 0, raw.length, ...raw)),
    ).toBe('BAD_UTF8');
    expect(code(datagram(0x0c, raw.length, ...raw, ...str8('b'), 0, ...u32be(9), ...u32be(0), 0))).toBe('BAD_UTF8');
  });

  it('OVERSIZE: 1201 bytes, whatever they hold; 1200 bytes are looked at', () => {
    const big = new Uint8Array(1201);
    big.set(datagram(0x09, 0));
    expect(code(big)).toBe('OVERSIZE');
    expect(code(new Uint8Array(1201).fill(0x61))).toBe('OVERSIZE');
    expect(code(new Uint8Array(65_507))).toBe('OVERSIZE');
    expect(code(big.subarray(0, 1200))).toBe('TRAILING_BYTES');
  });

  it('TRAILING_BYTES: one byte after any complete message', () => {
    for (const m of SAMPLES) {
      const bytes = encode(m);
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(code(longer), m.kind).toBe('TRAILING_BYTES');
    }
  });

  it('decodes from a view into a larger buffer (a Buffer slice) without reading outside it', () => {
    const bytes = encode({ kind: 'heartbeat', seq: 9 });
    const pool = Buffer.alloc(64, 0xee);
    pool.set(bytes, 10);
    expect(decode(pool.subarray(10, 10 + bytes.length))).toStrictEqual({ kind: 'heartbeat', seq: 9 });
    expect(code(pool.subarray(10, 10 + bytes.length - 1))).toBe('TRUNCATED');
  });
});

describe('truncation', () => {
  const longest: Message[] = [
    ...SAMPLES,
    chat({ id: ID60, from: LONGEST_NAME, to: LONGEST_NAME, seq: 0xffff_ffff, base: 0xffff_ffff, time: Number.MAX_SAFE_INTEGER, text: LONGEST_TEXT }),
    { kind: 'relay-ack', id: ID60, recipients: 0xffff },
    ack({ from: LONGEST_NAME, to: LONGEST_NAME, group: true, upTo: 0xffff_ffff, ranges: MOST_RANGES }),
    { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: Array.from({ length: 9 }, () => ({ name: LONGEST_NAME, type: 'plain' }) as const) },
  ];

  it.each(longest.map((m) => [m.kind, m] as const))('every prefix of a %s throws BAD_MAGIC (< 2 bytes) or TRUNCATED', (_k, m) => {
    const bytes = encode(m);
    for (let n = 0; n < bytes.length; n++) {
      // (expect.fail on a wrong code, not an expect per prefix: ~30 µs each, ~2,300 prefixes)
      const code = codeOf(() => decode(bytes.subarray(0, n)));
      if (code !== (n < 2 ? 'BAD_MAGIC' : 'TRUNCATED')) expect.fail(`prefix ${n}/${bytes.length}: ${code}`);
    }
    expect(decode(bytes)).toStrictEqual(m);
  });

  it('a contacts count of 60000 in a short datagram throws TRUNCATED at once', () => {
    const entries = Array.from({ length: 100 }, () => [...str8('a'), 1]).flat();
    const bytes = datagram(0x03, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 1, 60000 >> 8, 60000 & 0xff, ...entries);
    expect(bytes.length).toBeLessThan(MAX_DATAGRAM_BYTES);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) if (codeOf(() => decode(bytes)) !== 'TRUNCATED') expect.fail(`decode ${i}: not TRUNCATED`);
    expect(performance.now() - started).toBeLessThan(1000);
    // the same 100 entries with the right count decode
    bytes[17] = 0;
    bytes[18] = 100;
    expect((decode(bytes) as Extract<Message, { kind: 'contacts' }>).contacts).toHaveLength(100);
  });

  it('an impossible contacts count is refused before any entry is read', () => {
    // first entry's name is not UTF-8: with a count that fits it is BAD_UTF8, with 60000 it is never looked at
    const body = [0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 1, 60000 >> 8, 60000 & 0xff, 1, 0xff, 1, ...str8('bob'), 2];
    expect(codeOf(() => decode(datagram(0x03, ...body)))).toBe('TRUNCATED');
    body[12] = 0;
    body[13] = 2;
    expect(codeOf(() => decode(datagram(0x03, ...body)))).toBe('BAD_UTF8');
  });
});

// ---------------------------------------------------------------- isProtocolDatagram

describe('isProtocolDatagram', () => {
  it('is false for the empty datagram and for any UTF-8 text, true for encoded messages', () => {
    expect(isProtocolDatagram(new Uint8Array())).toBe(false);
    expect(isProtocolDatagram(new Uint8Array([0xff]))).toBe(false);
    for (const text of ['hi', 'U', 'ÿU', '\uFFFF', '你好 👋', '\u{10FFFF}']) {
      expect(isProtocolDatagram(new Uint8Array(Buffer.from(text, 'utf8'))), text).toBe(false);
    }
    for (const m of SAMPLES) expect(isProtocolDatagram(encode(m))).toBe(true);
  });

  it('is false for every UTF-8 text (property), which decode rejects as BAD_MAGIC', () => {
    fc.assert(
      fc.property(binaryString({ maxLength: 300 }), (text) => {
        const bytes = new TextEncoder().encode(text);
        assert.equal(isProtocolDatagram(bytes), false);
        assert.equal(codeOf(() => decode(bytes)), 'BAD_MAGIC');
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------- properties

describe('properties (fast-check, seeded)', () => {
  it('the generator covers every kind, both group values and acks with 0 to 32 ranges', () => {
    const sample = fc.sample(messageArb, { seed: 42, numRuns: 2000 });
    expect(new Set(sample.map((m) => m.kind))).toEqual(new Set(SAMPLES.map((m) => m.kind)));
    const hellos = sample.filter((m) => m.kind === 'hello');
    expect(hellos.some((m) => m.padding === undefined)).toBe(true);
    expect(hellos.some((m) => (m.padding ?? 0) > 0)).toBe(true);
    const acks = sample.filter((m) => m.kind === 'ack');
    expect(new Set(acks.map((m) => m.group))).toEqual(new Set([false, true]));
    expect(acks.some((m) => m.ranges.length === 0)).toBe(true);
    expect(acks.some((m) => m.ranges.length === MAX_ACK_RANGES)).toBe(true);
    expect(sample.some((m) => m.kind === 'chat' && m.seq > 0 && m.base > 0)).toBe(true);
  });

  it('random valid messages round-trip', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        roundTrip(m);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('decode of arbitrary bytes (0..1300) returns a re-encodable message or throws ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1300 }), (bytes) => {
        decodeIsTotal(bytes);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('decode of arbitrary bodies behind a valid header returns a re-encodable message or throws ProtocolError', () => {
    let decoded = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0x01, max: 0x0d }), fc.uint8Array({ maxLength: 40 }), (kind, body) => {
        if (decodeIsTotal(datagram(kind, ...body)) === 'decoded') decoded++;
      }),
      { seed: 42, numRuns: 3000 },
    );
    expect(decoded).toBeGreaterThan(0); // some random bodies are valid messages (heartbeats at least)
  });

  it('decode of mutated valid datagrams returns a re-encodable message or throws ProtocolError', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
    );
    let decoded = 0;
    let refused = 0;
    fc.assert(
      fc.property(messageArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, mutations) => {
        const bytes = [...encode(m)];
        for (const { op, at, value } of mutations) {
          const i = at % (bytes.length + 1);
          if (op === 'set' && i < bytes.length) bytes[i] = value;
          else if (op === 'insert') bytes.splice(i, 0, value);
          else if (op === 'delete') bytes.splice(i, 1);
        }
        if (decodeIsTotal(new Uint8Array(bytes)) === 'decoded') decoded++;
        else refused++;
      }),
      { seed: 42, numRuns: 2000 },
    );
    expect(decoded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
