/**
 * The security envelope (PROTOCOL.md §3.1, §3.2): session token, auth trailer,
 * padded hello, the auth helpers and ReplayWindow; then seeded fuzz and
 * property tests of all of them.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { binaryString } from '../../../tools/test/binaryString.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AUTH_TRAILER_BYTES,
  AUTH_WINDOW_MS,
  computeTag,
  createAuthKey,
  decode,
  decodeDatagram,
  encode,
  type EncodeOptions,
  encodingLength,
  FLAG_AUTH,
  FLAG_TOKEN,
  HELLO_MIN_BYTES,
  MAX_DATAGRAM_BYTES,
  type Message,
  MIN_SECRET_BYTES,
  NONCE_BYTES,
  paddedHello,
  ProtocolError,
  randomNonce,
  ReplayWindow,
  secretProblem,
  TAG_BYTES,
  tagMatches,
  TOKEN_BYTES,
  verifyAuth,
} from '../src/index.js';
import { authKeyArb, decodeIsTotal, messageArb, nonceArb, optionsArb, timeArb, toHex, tokenArb } from './arbitraries.js';

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

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

const TOKEN = Uint8Array.from({ length: TOKEN_BYTES }, (_, i) => i);
const NONCE = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const SECRET = 'correct horse battery staple';
const KEY = createAuthKey(SECRET);
const TIME = 1_767_225_600_000;
const HEARTBEAT: Message = { kind: 'heartbeat', seq: 7 };
/** test-vectors.json `heartbeat-signed`. */
const SIGNED_HEX =
  'ff55020703' +
  '000102030405060708090a0b0c0d0e0f' +
  '00000007' +
  '0000019b76daa800' +
  '0102030405060708' +
  'e255118c38553e8d575e1d0374427668513d22a4ec2986dc9263632bc3854ab7';

/** verifyAuth of whole datagram bytes, decoding them first. */
const verify = (key: typeof KEY, bytes: Uint8Array, now: number, replay?: ReplayWindow) =>
  verifyAuth(key, bytes, decodeDatagram(bytes).auth, now, replay);

afterEach(() => {
  vi.useRealTimers();
});

// ---------------------------------------------------------------- encode / decodeDatagram

describe('session token (FLAG_TOKEN)', () => {
  it('sits right after the header, sets flag 0x01 and moves the fields 16 bytes on', () => {
    const bytes = encode(HEARTBEAT, { token: TOKEN });
    expect(toHex(bytes)).toBe('ff55020701' + '000102030405060708090a0b0c0d0e0f' + '00000007');
    expect(bytes[4]).toBe(FLAG_TOKEN);
    expect(encodingLength(HEARTBEAT, { token: TOKEN })).toBe(9 + TOKEN_BYTES);
    const d = decodeDatagram(bytes);
    expect(d.message).toStrictEqual(HEARTBEAT);
    expect(toHex(d.token!)).toBe(toHex(TOKEN));
    expect(d.auth).toBeUndefined();
    expect(decode(bytes)).toStrictEqual(HEARTBEAT);
  });

  it('is absent from a datagram without the flag', () => {
    const d = decodeDatagram(encode(HEARTBEAT));
    expect(d.token).toBeUndefined();
    expect(d.auth).toBeUndefined();
    expect(encode(HEARTBEAT, {})).toStrictEqual(encode(HEARTBEAT));
    expect(encode(HEARTBEAT, { token: undefined })).toStrictEqual(encode(HEARTBEAT));
  });

  it('is decoded as a view into the datagram (no copy)', () => {
    const bytes = encode(HEARTBEAT, { token: TOKEN });
    const { token } = decodeDatagram(bytes);
    expect(token!.buffer).toBe(bytes.buffer);
    expect(token!.byteOffset).toBe(bytes.byteOffset + 5);
  });

  it('a cut token is TRUNCATED, whatever the kind', () => {
    for (let n = 0; n < TOKEN_BYTES; n++) {
      expect(codeOf(() => decode(fromHex('ff55020701' + toHex(TOKEN.subarray(0, n))))), `${n} bytes`).toBe('TRUNCATED');
      expect(codeOf(() => decode(fromHex('ff55020d01' + toHex(TOKEN.subarray(0, n))))), `list, ${n} bytes`).toBe('TRUNCATED');
    }
    expect(decode(fromHex('ff55020d01' + toHex(TOKEN) + '0000000700000009'))).toStrictEqual({ kind: 'list', epoch: 7, version: 9 });
  });

  it('encode refuses a token that is not 16 bytes of Uint8Array (BAD_FIELD)', () => {
    for (const token of [new Uint8Array(15), new Uint8Array(17), new Uint8Array(0), [...TOKEN], 'token', new Uint16Array(16)]) {
      const options = { token } as unknown as EncodeOptions;
      expect(codeOf(() => encode(HEARTBEAT, options))).toBe('BAD_FIELD');
      expect(codeOf(() => encodingLength(HEARTBEAT, options))).toBe('BAD_FIELD');
    }
  });
});

describe('auth trailer (FLAG_AUTH)', () => {
  it('gives the signed vector byte for byte: time, nonce, then HMAC-SHA256 of everything before the tag', () => {
    const bytes = encode(HEARTBEAT, { token: TOKEN, auth: KEY, time: TIME, nonce: NONCE });
    expect(toHex(bytes)).toBe(SIGNED_HEX);
    expect(bytes[4]).toBe(FLAG_TOKEN | FLAG_AUTH);
    const expected = createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(bytes.subarray(0, bytes.length - TAG_BYTES)).digest();
    expect(toHex(bytes.subarray(-TAG_BYTES))).toBe(expected.toString('hex'));
  });

  it('without a token: flag 0x02 only, trailer right after the fields', () => {
    const bytes = encode(HEARTBEAT, { auth: KEY, time: TIME, nonce: NONCE });
    expect(bytes.length).toBe(9 + AUTH_TRAILER_BYTES);
    expect(bytes[4]).toBe(FLAG_AUTH);
    expect(toHex(bytes.subarray(0, 25))).toBe('ff55020702' + '00000007' + '0000019b76daa800' + '0102030405060708');
    const d = decodeDatagram(bytes);
    expect(d.token).toBeUndefined();
    expect(d.auth!.time).toBe(TIME);
    expect(toHex(d.auth!.nonce)).toBe('0102030405060708');
    expect(d.auth!.signedLength).toBe(bytes.length - TAG_BYTES);
    expect(verify(KEY, bytes, TIME)).toBe('ok');
  });

  it('decodes time, nonce and tag as views; the message is the fields only', () => {
    const bytes = fromHex(SIGNED_HEX);
    const d = decodeDatagram(bytes);
    expect(d.message).toStrictEqual(HEARTBEAT);
    expect(d.auth!.nonce.buffer).toBe(bytes.buffer);
    expect(d.auth!.nonce.byteOffset).toBe(bytes.length - 40);
    expect(d.auth!.tag.byteOffset).toBe(bytes.length - 32);
    expect(d.auth!.tag).toHaveLength(TAG_BYTES);
  });

  it('defaults: time = Date.now(), a fresh random nonce per datagram', () => {
    vi.useFakeTimers({ now: TIME + 1234, toFake: ['Date'] });
    const a = decodeDatagram(encode(HEARTBEAT, { auth: KEY })).auth!;
    const b = decodeDatagram(encode(HEARTBEAT, { auth: KEY })).auth!;
    expect(a.time).toBe(TIME + 1234);
    expect(a.nonce).toHaveLength(NONCE_BYTES);
    expect(toHex(a.nonce)).not.toBe(toHex(b.nonce));
  });

  it('time and nonce without auth write nothing', () => {
    expect(encode(HEARTBEAT, { time: TIME, nonce: NONCE })).toStrictEqual(encode(HEARTBEAT));
    expect(encodingLength(HEARTBEAT, { time: TIME, nonce: NONCE })).toBe(9);
  });

  it('encode refuses a bad time or nonce (BAD_FIELD)', () => {
    const cases: EncodeOptions[] = [
      { auth: KEY, time: -1 },
      { auth: KEY, time: 1.5 },
      { auth: KEY, time: 2 ** 53 },
      { auth: KEY, time: NaN },
      { auth: KEY, nonce: new Uint8Array(7) },
      { auth: KEY, nonce: new Uint8Array(9) },
      { auth: KEY, nonce: [1, 2, 3, 4, 5, 6, 7, 8] as unknown as Uint8Array },
    ];
    for (const options of cases) {
      expect(codeOf(() => encode(HEARTBEAT, options)), JSON.stringify(options.time)).toBe('BAD_FIELD');
      expect(codeOf(() => encodingLength(HEARTBEAT, options))).toBe('BAD_FIELD');
    }
    expect(toHex(encode(HEARTBEAT, { auth: KEY, time: Number.MAX_SAFE_INTEGER, nonce: NONCE }).subarray(9, 17))).toBe(
      '001fffffffffffff',
    );
  });

  it('fewer than 48 bytes left for the trailer is TRUNCATED; the fields end where the trailer starts', () => {
    const signed = fromHex(SIGNED_HEX);
    // header + token + 0..47 bytes: never enough for a trailer
    for (let n = 21; n < 21 + AUTH_TRAILER_BYTES; n++) {
      expect(codeOf(() => decode(signed.subarray(0, n))), `${n} bytes`).toBe('TRUNCATED');
    }
    // cut short with room for a trailer: the trailer is taken from the end, so it shifts into the
    // fields; here its time would start with the seq's 07 byte, above 2^53-1 (checked first)
    expect(codeOf(() => decode(signed.subarray(0, signed.length - 1)))).toBe('BAD_FIELD');
    // with seq 0 and time 0 the shifted time stays 0, and the seq is cut
    const zeros = encode({ kind: 'heartbeat', seq: 0 }, { token: TOKEN, auth: KEY, time: 0, nonce: new Uint8Array(8) });
    for (let n = 21 + AUTH_TRAILER_BYTES; n < zeros.length; n++) {
      expect(codeOf(() => decode(zeros.subarray(0, n))), `${n} bytes`).toBe('TRUNCATED');
    }
    // one byte too many between the fields and the trailer
    const longer = encode({ kind: 'heartbeat', seq: 7 }, { auth: KEY, time: TIME, nonce: NONCE });
    const extra = new Uint8Array(longer.length + 1);
    extra.set(longer.subarray(0, 9));
    extra.set(longer.subarray(9), 10);
    expect(codeOf(() => decode(extra))).toBe('TRAILING_BYTES');
  });

  it('a trailer time above 2^53-1 is BAD_FIELD, before the tag is looked at', () => {
    const trailer = (time: string) => fromHex('ff5502070200000007' + time + '00'.repeat(8) + '00'.repeat(32));
    expect(codeOf(() => decode(trailer('0020000000000000')))).toBe('BAD_FIELD');
    expect(codeOf(() => decode(trailer('ffffffffffffffff')))).toBe('BAD_FIELD');
    expect(decodeDatagram(trailer('001fffffffffffff')).auth!.time).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('the largest chat fits with token and trailer: exactly 1200 bytes', () => {
    const chat: Message = {
      kind: 'chat',
      id: 'A'.repeat(60),
      from: '𠀀'.repeat(32),
      to: '𠀀'.repeat(32),
      epoch: 0xffff_ffff,
      seq: 1,
      base: 1,
      time: TIME,
      text: 'x'.repeat(790),
    };
    const bytes = encode(chat, { token: TOKEN, auth: KEY, time: TIME, nonce: NONCE });
    expect(bytes.length).toBe(MAX_DATAGRAM_BYTES);
    expect(decode(bytes)).toStrictEqual(chat);
    expect(verify(KEY, bytes, TIME)).toBe('ok');
  });

  it('the envelope counts toward the 1200-byte limit (OVERSIZE)', () => {
    const hello: Message = { kind: 'hello', name: 'alice', padding: 1200 - 13 };
    expect(encode(hello).length).toBe(MAX_DATAGRAM_BYTES);
    expect(encodingLength(hello, { token: TOKEN })).toBe(1216);
    expect(codeOf(() => encode(hello, { token: TOKEN }))).toBe('OVERSIZE');
    expect(codeOf(() => encode(hello, { auth: KEY }))).toBe('OVERSIZE');
  });
});

// ---------------------------------------------------------------- paddedHello

describe('paddedHello', () => {
  it('pads alice to exactly 300 bytes: padding 287, or 239 signed, 271 with a token, 223 with both', () => {
    expect(HELLO_MIN_BYTES).toBe(300);
    const cases: Array<[EncodeOptions | undefined, number]> = [
      [undefined, 287],
      [{ auth: KEY }, 239],
      [{ token: TOKEN }, 271],
      [{ token: TOKEN, auth: KEY }, 223],
    ];
    for (const [options, padding] of cases) {
      const hello = paddedHello('alice', options);
      expect(hello).toStrictEqual({ kind: 'hello', name: 'alice', padding });
      const bytes = encode(hello, options);
      expect(bytes.length).toBe(HELLO_MIN_BYTES);
      expect(decode(bytes)).toStrictEqual(hello);
    }
  });

  it('any valid name, any envelope: exactly HELLO_MIN_BYTES on the wire (property)', () => {
    fc.assert(
      fc.property(binaryString({ minLength: 1, maxLength: 32 }), optionsArb, (name, options) => {
        const hello = paddedHello(name, options);
        const bytes = encode(hello, options);
        expect(bytes.length).toBe(HELLO_MIN_BYTES);
        expect(decodeDatagram(bytes).message).toStrictEqual(hello);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('refuses a name the codec refuses (BAD_FIELD)', () => {
    expect(codeOf(() => paddedHello(''))).toBe('BAD_FIELD');
    expect(codeOf(() => paddedHello('a'.repeat(129)))).toBe('BAD_FIELD');
  });
});

// ---------------------------------------------------------------- auth helpers

describe('shared secret and tags', () => {
  it(`a secret needs at least ${MIN_SECRET_BYTES} bytes`, () => {
    expect(secretProblem(new Uint8Array(7))).toBe('the shared secret is 7 bytes; at least 8 are needed');
    expect(secretProblem(new Uint8Array(8))).toBeUndefined();
    expect(() => createAuthKey('1234567')).toThrow(RangeError);
    expect(() => createAuthKey('')).toThrow('at least 8');
    expect(() => createAuthKey('12345678')).not.toThrow();
    // bytes, not characters: 4 × 2-byte "é" is 8 bytes
    expect(() => createAuthKey('éééé')).not.toThrow();
    expect(() => createAuthKey('ééé')).toThrow(RangeError);
  });

  it('a string secret is its UTF-8 bytes', () => {
    const bytes = fromHex('ff5502070000000007');
    const fromString = computeTag(createAuthKey('pässwörd-ü'), bytes, bytes.length);
    const fromBytes = computeTag(createAuthKey(new Uint8Array(Buffer.from('pässwörd-ü', 'utf8'))), bytes, bytes.length);
    expect(toHex(fromString)).toBe(toHex(fromBytes));
  });

  it('computeTag is HMAC-SHA256 of bytes[0, end); tagMatches compares it', () => {
    const bytes = fromHex(SIGNED_HEX);
    const tag = computeTag(KEY, bytes, 41);
    expect(tag).toHaveLength(TAG_BYTES);
    expect(toHex(tag)).toBe(createHmac('sha256', SECRET).update(bytes.subarray(0, 41)).digest('hex'));
    const trailer = decodeDatagram(bytes).auth!;
    expect(tagMatches(KEY, bytes, trailer)).toBe(true);
    expect(tagMatches(createAuthKey(SECRET + ' '), bytes, trailer)).toBe(false);
    expect(tagMatches(KEY, bytes, { ...trailer, tag: trailer.tag.subarray(0, 31) })).toBe(false);
  });

  it('randomNonce: 8 bytes, copies, no repeat in 20 000', () => {
    const seen = new Set<string>();
    const lengths = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const nonce = randomNonce();
      lengths.add(nonce.length); // collected, asserted once below: an expect per nonce costs most of the test
      seen.add(toHex(nonce));
    }
    expect([...lengths]).toEqual([NONCE_BYTES]);
    expect(seen.size).toBe(20_000);
    const a = randomNonce();
    const before = toHex(a);
    a.fill(0);
    expect(toHex(randomNonce())).not.toBe('0000000000000000');
    expect(before).not.toBe('0000000000000000');
  });
});

describe('verifyAuth', () => {
  const signed = () => fromHex(SIGNED_HEX);

  it("'ok' within ±30 s, 'stale' beyond, either side", () => {
    expect(verify(KEY, signed(), TIME)).toBe('ok');
    expect(verify(KEY, signed(), TIME + AUTH_WINDOW_MS)).toBe('ok');
    expect(verify(KEY, signed(), TIME - AUTH_WINDOW_MS)).toBe('ok');
    expect(verify(KEY, signed(), TIME + AUTH_WINDOW_MS + 1)).toBe('stale');
    expect(verify(KEY, signed(), TIME - AUTH_WINDOW_MS - 1)).toBe('stale');
    // a narrower window of the caller's choice
    expect(verifyAuth(KEY, signed(), decodeDatagram(signed()).auth, TIME + 1001, undefined, 1000)).toBe('stale');
  });

  it("checks in order: 'missing', then 'bad-tag' (even when stale), then 'stale' (even when replayed), then 'replay'", () => {
    expect(verifyAuth(KEY, encode(HEARTBEAT), undefined, TIME, new ReplayWindow())).toBe('missing');
    const tampered = signed();
    tampered[24]! ^= 1; // seq 7 -> 6
    expect(verify(KEY, tampered, TIME + 10 * AUTH_WINDOW_MS)).toBe('bad-tag');
    expect(verify(createAuthKey('another secret'), signed(), TIME)).toBe('bad-tag');
    const replay = new ReplayWindow();
    expect(verify(KEY, signed(), TIME, replay)).toBe('ok');
    expect(verify(KEY, signed(), TIME + AUTH_WINDOW_MS + 1, replay)).toBe('stale');
    expect(verify(KEY, signed(), TIME + 1, replay)).toBe('replay');
  });

  it("records only accepted nonces: a 'bad-tag' or 'stale' datagram does not burn its nonce", () => {
    const replay = new ReplayWindow();
    const tampered = signed();
    tampered[24]! ^= 1;
    expect(verify(KEY, tampered, TIME, replay)).toBe('bad-tag');
    expect(verify(KEY, signed(), TIME + 40_000, replay)).toBe('stale');
    expect(replay.size).toBe(0);
    expect(verify(KEY, signed(), TIME, replay)).toBe('ok');
    expect(replay.size).toBe(1);
  });

  it("'replay-cache-full' when the ReplayWindow is full", () => {
    const replay = new ReplayWindow(AUTH_WINDOW_MS, 1);
    const other = encode(HEARTBEAT, { auth: KEY, time: TIME, nonce: Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]) });
    expect(verify(KEY, other, TIME, replay)).toBe('ok');
    expect(verify(KEY, signed(), TIME, replay)).toBe('replay-cache-full');
    expect(verify(KEY, other, TIME, replay)).toBe('replay');
  });

  it('every change of one byte of the signed vector, to any value, is refused (exhaustive)', () => {
    const original = signed();
    let undecodable = 0;
    let badTag = 0;
    // Collected, asserted once below (an expect per case costs most of the test): what was accepted, what threw else.
    const accepted: string[] = [];
    const otherErrors: unknown[] = [];
    for (let at = 0; at < original.length; at++) {
      for (let xor = 1; xor < 256; xor++) {
        const bytes = signed();
        bytes[at]! ^= xor;
        let verdict: string;
        try {
          verdict = verify(KEY, bytes, TIME, new ReplayWindow());
        } catch (err) {
          if (err instanceof ProtocolError) undecodable++;
          else otherErrors.push(err);
          continue;
        }
        if (verdict === 'ok') accepted.push(`byte ${at} ^ ${xor}`);
        if (verdict === 'bad-tag') badTag++;
      }
    }
    expect(otherErrors).toEqual([]);
    expect(accepted).toEqual([]);
    expect(undecodable + badTag).toBe(original.length * 255);
    expect(undecodable).toBeGreaterThan(0);
    expect(badTag).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------- ReplayWindow

describe('ReplayWindow', () => {
  const W = 1000;
  const nonce = (...bytes: number[]) => Uint8Array.from([...bytes, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8));

  it('fresh, then replay, then forgotten', () => {
    const w = new ReplayWindow(W);
    expect(w.admit(nonce(1), 0)).toBe('fresh');
    expect(w.admit(nonce(1), 0)).toBe('replay');
    expect(w.admit(nonce(1), 2 * W)).toBe('replay');
    expect(w.admit(nonce(2), 2 * W)).toBe('fresh');
    expect(w.size).toBe(2);
    expect(w.admit(nonce(1), 4 * W)).toBe('fresh');
  });

  it('forgets a nonce 4 windows after it was admitted, however the admits in between fall (regression)', () => {
    // the grid used to restart at each late rotation, keeping nonce 1 up to 6 windows
    const w = new ReplayWindow(W);
    expect(w.admit(nonce(1), 0)).toBe('fresh');
    expect(w.admit(nonce(2), 3.9 * W)).toBe('fresh');
    expect(w.admit(nonce(1), 4 * W)).toBe('fresh');
    expect(w.admit(nonce(2), 4 * W)).toBe('replay');
  });

  it('keys a nonce by its first 6 bytes (documented): nonces differing only in bytes 6–7 are the same', () => {
    const w = new ReplayWindow(W);
    expect(w.admit(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 0)).toBe('fresh');
    expect(w.admit(Uint8Array.from([1, 2, 3, 4, 5, 6, 0xff, 0xff]), 0)).toBe('replay');
    expect(w.admit(Uint8Array.from([1, 2, 3, 4, 5, 7, 7, 8]), 0)).toBe('fresh');
  });

  /** Distinct in their first 6 bytes (what ReplayWindow compares). */
  const noncePool = fc
    .uniqueArray(fc.uint8Array({ minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 8, selector: (b) => toHex(b) })
    .chain((prefixes) =>
      fc.tuple(...prefixes.map((p) => fc.uint8Array({ minLength: 2, maxLength: 2 }).map((tail) => Uint8Array.from([...p, ...tail])))),
    );
  /** Steps of time that land on and around the generation boundaries (2 W, 4 W). */
  const step = fc.oneof(
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 2 * W - 10, max: 2 * W + 10 }),
    fc.integer({ min: 4 * W - 10, max: 4 * W + 10 }),
    fc.integer({ min: 0, max: 6 * W }),
  );

  it('model: replay within 2 windows of its admission, fresh from 4 windows on, never replay for an unseen nonce', () => {
    let replays = 0;
    let forgotten = 0;
    fc.assert(
      fc.property(noncePool, fc.array(fc.tuple(fc.nat(), step), { minLength: 1, maxLength: 60 }), (pool, ops) => {
        const w = new ReplayWindow(W, 1_000_000);
        const admittedAt = new Map<number, number>();
        let now = 1_767_225_600_000;
        for (const [pick, dt] of ops) {
          now += dt;
          const i = pick % pool.length;
          const verdict = w.admit(pool[i]!, now);
          const t0 = admittedAt.get(i);
          assert.notEqual(verdict, 'full');
          if (t0 !== undefined && now - t0 <= 2 * W) assert.equal(verdict, 'replay', `${now - t0} ms after`);
          if (t0 === undefined || now - t0 >= 4 * W) assert.equal(verdict, 'fresh', `${t0 === undefined ? 'unseen' : now - t0}`);
          if (verdict === 'replay') replays++;
          if (verdict === 'fresh') {
            if (t0 !== undefined) forgotten++;
            admittedAt.set(i, now);
          }
        }
      }),
      { seed: 42, numRuns: 1000 },
    );
    expect(replays).toBeGreaterThan(0);
    expect(forgotten).toBeGreaterThan(0);
  });

  it("'full' beyond maxEntries, without recording; remembered ones stay 'replay'; room again after 4 windows", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 2 * W - 1 }), (max, extra, spread) => {
        const w = new ReplayWindow(W, max);
        const t = 5_000;
        const nonces = Array.from({ length: max + extra }, (_, i) => nonce(i >> 8, i & 0xff, 0xaa));
        // all within one generation (the first admit starts the grid)
        nonces.forEach((n, i) => {
          const now = t + Math.floor((spread * i) / nonces.length);
          assert.equal(w.admit(n, now), i < max ? 'fresh' : 'full', `nonce ${i}`);
        });
        assert.equal(w.size, max);
        assert.equal(w.admit(nonces[max]!, t + spread), 'full'); // not recorded: still not 'replay'
        assert.equal(w.admit(nonces[0]!, t + spread), 'replay'); // checked before 'full'
        assert.equal(w.admit(nonces[max]!, t + 4 * W), 'fresh');
        assert.equal(w.size, 1);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------- fuzz and properties

describe('fuzz and properties (fast-check, seeded)', () => {
  const kindByte = fc.oneof(fc.integer({ min: 0x00, max: 0x0f }), fc.integer({ min: 0, max: 255 }));
  const flagsByte = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }));
  const header = (kind: number, flags: number) => [0xff, 0x55, 0x02, kind, flags];

  it('(a) decodeDatagram of arbitrary bytes (0..1300) returns a datagram or throws ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1300 }), (bytes) => {
        decodeIsTotal(bytes);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it('(a) …and of arbitrary bodies behind FF 55 01 <kind> <flags>', () => {
    const counts = { decoded: 0, refused: 0 };
    fc.assert(
      fc.property(kindByte, flagsByte, fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 1295 })), (kind, flags, body) => {
        counts[decodeIsTotal(new Uint8Array([...header(kind, flags), ...body]))]++;
      }),
      { seed: 42, numRuns: 5000 },
    );
    expect(counts.decoded).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });

  it('(a) …and of well-shaped envelopes (token, fields, trailer with a plausible time) around random field bytes', () => {
    const seen = { token: 0, auth: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0x01, max: 0x0d }),
        fc.integer({ min: 0, max: 3 }),
        tokenArb,
        fc.uint8Array({ maxLength: 24 }),
        timeArb,
        fc.uint8Array({ minLength: 40, maxLength: 40 }),
        (kind, flags, token, fields, time, nonceAndTag) => {
          const trailer = new Uint8Array(AUTH_TRAILER_BYTES);
          new DataView(trailer.buffer).setBigUint64(0, BigInt(time));
          trailer.set(nonceAndTag, 8);
          const bytes = new Uint8Array([
            ...header(kind, flags),
            ...(flags & FLAG_TOKEN ? token : []),
            ...fields,
            ...(flags & FLAG_AUTH ? trailer : []),
          ]);
          if (decodeIsTotal(bytes) === 'decoded') {
            const d = decodeDatagram(bytes);
            if (d.token) seen.token++;
            if (d.auth) {
              seen.auth++;
              assert.equal(d.auth.time, time);
            }
          }
        },
      ),
      { seed: 42, numRuns: 5000 },
    );
    expect(seen.token).toBeGreaterThan(0);
    expect(seen.auth).toBeGreaterThan(0);
  });

  it('(b) random messages in random envelopes round-trip, and the signed ones pass verifyAuth', () => {
    let signed = 0;
    let oversize = 0;
    fc.assert(
      fc.property(messageArb, optionsArb, fc.integer({ min: -AUTH_WINDOW_MS, max: AUTH_WINDOW_MS }), (m, options, skew) => {
        const length = encodingLength(m, options);
        if (length > MAX_DATAGRAM_BYTES) {
          // only a full contacts page can outgrow 1200 bytes with its envelope
          assert.equal(m.kind, 'contacts');
          assert.equal(codeOf(() => encode(m, options)), 'OVERSIZE');
          oversize++;
          return;
        }
        const bytes = encode(m, options);
        assert.equal(bytes.length, length);
        assert.equal(bytes[4], (options.token ? FLAG_TOKEN : 0) | (options.auth ? FLAG_AUTH : 0));
        const d = decodeDatagram(bytes);
        assert.deepEqual(d.message, m);
        assert.equal(d.token === undefined ? undefined : toHex(d.token), options.token && toHex(options.token));
        if (!options.auth) {
          assert.equal(d.auth, undefined);
          return;
        }
        signed++;
        assert.ok(d.auth);
        if (options.time !== undefined) assert.equal(d.auth.time, options.time);
        if (options.nonce !== undefined) assert.equal(toHex(d.auth.nonce), toHex(options.nonce));
        const now = d.auth.time + skew <= Number.MAX_SAFE_INTEGER ? d.auth.time + skew : d.auth.time - Math.abs(skew);
        const replay = new ReplayWindow();
        assert.equal(verifyAuth(options.auth, bytes, d.auth, now, replay), 'ok');
        assert.equal(verifyAuth(options.auth, bytes, d.auth, now, replay), 'replay');
      }),
      { seed: 42, numRuns: 2000 },
    );
    expect(signed).toBeGreaterThan(500);
    expect(oversize).toBeLessThan(100);
  });

  it('(c) changing any one byte of a signed datagram makes it undecodable (ProtocolError) or not verify — never ok', () => {
    const outcomes = { undecodable: 0, refused: 0 };
    fc.assert(
      fc.property(
        messageArb,
        fc.option(tokenArb, { nil: undefined }),
        authKeyArb,
        timeArb,
        nonceArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (m, token, auth, time, nonce, at, xor) => {
          const options = { token, auth, time, nonce };
          fc.pre(encodingLength(m, options) <= MAX_DATAGRAM_BYTES);
          const bytes = encode(m, options);
          assert.equal(verify(auth, bytes, time, new ReplayWindow()), 'ok');
          const changed = bytes.slice();
          changed[at % changed.length]! ^= xor;
          let verdict: string;
          try {
            verdict = verify(auth, changed, time, new ReplayWindow());
          } catch (err) {
            assert.ok(err instanceof ProtocolError, String(err));
            outcomes.undecodable++;
            return;
          }
          assert.notEqual(verdict, 'ok');
          outcomes.refused++;
        },
      ),
      { seed: 42, numRuns: 2000 },
    );
    expect(outcomes.undecodable).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
