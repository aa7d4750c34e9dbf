/**
 * The byte-exact vectors of test-vectors.json against the codec, and against
 * PROTOCOL.md, so that code, vectors and documentation cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AUTH_WINDOW_MS,
  createAuthKey,
  decode,
  decodeDatagram,
  encode,
  type EncodeOptions,
  encodingLength,
  FLAG_AUTH,
  FLAG_TOKEN,
  isProtocolDatagram,
  type Message,
  type MessageKind,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
  ReplayWindow,
  TOKEN_BYTES,
  verifyAuth,
  PROTOCOL_VERSION,
} from '../src/index.js';

/** As stored: byte fields (a welcome's `token`, an identify's `publicKey` and `signature`, a `challenge`) are hex strings. */
type JsonMessage = Record<string, unknown> & { kind: MessageKind };

interface ValidVector {
  name: string;
  description: string;
  message: JsonMessage;
  /** Session token of the envelope (FLAG_TOKEN), hex. */
  token?: string;
  /** Auth trailer (FLAG_AUTH): the shared secret (UTF-8), time, nonce (hex). */
  auth?: { secret: string; time: number; nonce: string };
  hex: string;
}
interface InvalidVector {
  name: string;
  description: string;
  hex: string;
  padTo?: number;
  code: ProtocolErrorCode;
}
interface Vectors {
  protocolVersion: number;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

const vectors = JSON.parse(readFileSync(new URL('../test-vectors.json', import.meta.url), 'utf8')) as Vectors;
const doc = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8');

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The vector's message as the codec takes and gives it (a welcome's token as bytes). */
function messageOf(v: ValidVector): Message {
  const m = { ...v.message };
  for (const field of ['token', 'publicKey', 'signature', 'challenge']) {
    if (typeof m[field] === 'string') m[field] = fromHex(m[field] as string);
  }
  return m as unknown as Message;
}

/** The vector's envelope as `encode` options (undefined when it has none). */
function optionsOf(v: ValidVector): EncodeOptions | undefined {
  if (v.token === undefined && v.auth === undefined) return undefined;
  return {
    token: v.token === undefined ? undefined : fromHex(v.token),
    ...(v.auth && { auth: createAuthKey(v.auth.secret), time: v.auth.time, nonce: fromHex(v.auth.nonce) }),
  };
}

function bytesOf(v: InvalidVector): Uint8Array {
  const head = fromHex(v.hex);
  if (v.padTo === undefined) return head;
  const bytes = new Uint8Array(v.padTo);
  bytes.set(head);
  return bytes;
}

function decodeError(bytes: Uint8Array): unknown {
  try {
    decode(bytes);
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Every kind, by kind byte order; a Record so that a new kind cannot be forgotten here (type check). */
const KIND_CODES: Record<MessageKind, number> = {
  hello: 0x01,
  welcome: 0x02,
  contacts: 0x03,
  join: 0x04,
  leave: 0x05,
  chat: 0x06,
  heartbeat: 0x07,
  'heartbeat-ack': 0x08,
  bye: 0x09,
  error: 0x0a,
  'relay-ack': 0x0b,
  ack: 0x0c,
  list: 0x0d,
  rename: 0x0e,
  'roster-delta': 0x0f,
  identify: 0x12,
  challenge: 0x13,
  stored: 0x14,
  receipt: 0x15,
  'receipt-ack': 0x16,
};
const ALL_KINDS = Object.keys(KIND_CODES) as MessageKind[];

describe('test-vectors.json', () => {
  it('is well-formed: version 1, lower-case even-length hex, unique names', () => {
    expect(vectors.protocolVersion).toBe(1);
    const all = [...vectors.valid, ...vectors.invalid];
    for (const v of all) expect(v.hex, v.name).toMatch(/^(?:[0-9a-f]{2})+$/);
    expect(new Set(all.map((v) => v.name)).size).toBe(all.length);
  });

  it('has a valid vector for every message kind, a direct and a group chat', () => {
    expect(new Set(vectors.valid.map((v) => v.message.kind))).toEqual(new Set(ALL_KINDS));
    const chats = vectors.valid.filter((v) => v.message.kind === 'chat').map(messageOf);
    expect(chats.some((m) => m.kind === 'chat' && m.to === 'all')).toBe(true);
    expect(chats.some((m) => m.kind === 'chat' && m.to !== 'all')).toBe(true);
    // numbered chats: seq from 1, base at most seq
    for (const m of chats) if (m.kind === 'chat') expect(m.base <= m.seq && m.seq >= 1, JSON.stringify(m)).toBe(true);
  });

  it('has a direct ack with selective ranges and a group ack without', () => {
    const acks = vectors.valid.map(messageOf).filter((m) => m.kind === 'ack');
    expect(acks.some((m) => !m.group && m.ranges.length >= 2)).toBe(true);
    expect(acks.some((m) => m.group && m.ranges.length === 0)).toBe(true);
  });

  it('has an invalid vector for every ProtocolErrorCode', () => {
    expect(new Set(vectors.invalid.map((v) => v.code))).toEqual(new Set(PROTOCOL_ERROR_CODES));
  });

  it('has a padded hello, a datagram with a token only and one with a token and an auth trailer', () => {
    expect(vectors.valid.some((v) => v.message.kind === 'hello' && (v.message.padding as number) > 0)).toBe(true);
    expect(vectors.valid.some((v) => v.token !== undefined && v.auth === undefined)).toBe(true);
    expect(vectors.valid.some((v) => v.token !== undefined && v.auth !== undefined)).toBe(true);
    for (const v of vectors.valid) if (v.token !== undefined) expect(v.token, v.name).toHaveLength(2 * TOKEN_BYTES);
  });

  describe.each(vectors.valid.map((v) => [v.name, v] as const))('valid %s', (_name, v) => {
    it('encode(message, envelope) gives exactly the hex', () => {
      expect(toHex(encode(messageOf(v), optionsOf(v)))).toBe(v.hex);
    });

    it('decode(hex) gives exactly the message', () => {
      expect(decode(fromHex(v.hex))).toStrictEqual(messageOf(v));
    });

    it('decodeDatagram(hex) gives the envelope: token, auth time and nonce, a tag over all bytes before it', () => {
      const bytes = fromHex(v.hex);
      const d = decodeDatagram(bytes);
      expect(d.token === undefined ? undefined : toHex(d.token)).toBe(v.token);
      if (v.auth === undefined) {
        expect(d.auth).toBeUndefined();
      } else {
        expect(d.auth).toBeDefined();
        expect(d.auth!.time).toBe(v.auth.time);
        expect(toHex(d.auth!.nonce)).toBe(v.auth.nonce);
        expect(toHex(d.auth!.tag)).toBe(v.hex.slice(-64));
        expect(d.auth!.signedLength).toBe(bytes.length - 32);
      }
    });

    it('encodingLength(message, envelope) is the byte length', () => {
      expect(encodingLength(messageOf(v), optionsOf(v))).toBe(v.hex.length / 2);
    });

    it('is a protocol datagram with header FF 55 02 <kind> <flags of its envelope>', () => {
      const bytes = fromHex(v.hex);
      expect(isProtocolDatagram(bytes)).toBe(true);
      const flags = (v.token === undefined ? 0 : FLAG_TOKEN) | (v.auth === undefined ? 0 : FLAG_AUTH);
      expect([...bytes.subarray(0, 5)]).toEqual([0xff, 0x55, PROTOCOL_VERSION, KIND_CODES[v.message.kind], flags]);
    });
  });

  describe.each(vectors.valid.filter((v) => v.auth !== undefined).map((v) => [v.name, v] as const))('signed %s', (_name, v) => {
    const auth = v.auth!;
    const key = createAuthKey(auth.secret);
    const verify = (bytes: Uint8Array, now: number, replay?: ReplayWindow) =>
      verifyAuth(key, bytes, decodeDatagram(bytes).auth, now, replay);

    it('verifyAuth accepts it at its time and up to 30 s either side', () => {
      const bytes = fromHex(v.hex);
      expect(verify(bytes, auth.time)).toBe('ok');
      expect(verify(bytes, auth.time + AUTH_WINDOW_MS)).toBe('ok');
      expect(verify(bytes, auth.time - AUTH_WINDOW_MS)).toBe('ok');
    });

    it("verifyAuth says 'stale' 30 001 ms away, either side", () => {
      expect(verify(fromHex(v.hex), auth.time + AUTH_WINDOW_MS + 1)).toBe('stale');
      expect(verify(fromHex(v.hex), auth.time - AUTH_WINDOW_MS - 1)).toBe('stale');
    });

    it("verifyAuth says 'bad-tag' with any one bit of the tag flipped, and under another secret", () => {
      for (let bit = 0; bit < 256; bit++) {
        const bytes = fromHex(v.hex);
        bytes[bytes.length - 32 + (bit >> 3)]! ^= 1 << (bit & 7);
        expect(verify(bytes, auth.time), `bit ${bit}`).toBe('bad-tag');
      }
      const other = createAuthKey(auth.secret + '!');
      const bytes = fromHex(v.hex);
      expect(verifyAuth(other, bytes, decodeDatagram(bytes).auth, auth.time)).toBe('bad-tag');
    });

    it("verifyAuth says 'missing' for the same message sent without a trailer, 'replay' for it sent twice", () => {
      const unsigned = encode(messageOf(v), { token: v.token === undefined ? undefined : fromHex(v.token) });
      expect(verify(unsigned, auth.time)).toBe('missing');
      const replay = new ReplayWindow();
      expect(verify(fromHex(v.hex), auth.time, replay)).toBe('ok');
      expect(verify(fromHex(v.hex), auth.time + 1, replay)).toBe('replay');
    });
  });

  describe.each(vectors.invalid.map((v) => [v.name, v] as const))('invalid %s', (_name, v) => {
    it(`decode throws ProtocolError ${v.code}`, () => {
      const err = decodeError(bytesOf(v));
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe(v.code);
    });
  });

  it('the OVERSIZE vector is 1201 bytes once padded', () => {
    const oversize = vectors.invalid.filter((v) => v.code === 'OVERSIZE');
    expect(oversize.length).toBeGreaterThan(0);
    for (const v of oversize) expect(bytesOf(v).length).toBe(1201);
  });
});

describe('PROTOCOL.md', () => {
  it.each([...vectors.valid, ...vectors.invalid].map((v) => [v.name, v.hex] as const))(
    'quotes the hex of %s verbatim',
    (_name, hex) => {
      expect(doc.includes(hex)).toBe(true);
    },
  );

  it('§9: the examples of each code are exactly the invalid vectors of that code', () => {
    const start = doc.indexOf('## 9.');
    const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
    const fromDoc: string[] = [];
    for (const row of section.split('\n')) {
      const m = /^\| `([A-Z_0-9]+)` \|.*\| ([^|]*) \|$/.exec(row);
      if (!m) continue;
      for (const hex of m[2]!.matchAll(/`([0-9a-f]+)`/g)) fromDoc.push(`${m[1]} ${hex[1]}`);
    }
    const fromVectors = vectors.invalid.map((v) => `${v.code} ${v.hex}`);
    expect(fromDoc.sort()).toEqual(fromVectors.sort());
    expect(new Set(fromDoc.map((e) => e.split(' ')[0]))).toEqual(new Set(PROTOCOL_ERROR_CODES));
  });

  it.each(ALL_KINDS.map((k) => [k, KIND_CODES[k]] as const))('lists kind %s with its kind byte in the header table', (kind, code) => {
    expect(doc).toContain(`| \`0x${code.toString(16).padStart(2, '0')}\` | \`${kind}\` |`);
  });

  /**
   * Each valid vector has an annotated dump: a ```text block whose first line
   * is the hex, then lines "offset  bytes  meaning". The offsets must follow
   * each other and the bytes must add up to the hex.
   */
  it.each(vectors.valid.map((v) => [v.name, v.hex] as const))('has a consistent annotated dump of %s', (_name, hex) => {
    const start = doc.indexOf('```text\n' + hex + '\n');
    expect(start).toBeGreaterThanOrEqual(0);
    const end = doc.indexOf('\n```', start + 8);
    const lines = doc.slice(start, end).split('\n').slice(2);
    let offset = 0;
    let bytes = '';
    for (const line of lines) {
      const m = /^\s*(\d+)  ((?:[0-9a-f]{2} )*[0-9a-f]{2})\s{2,}\S/.exec(line);
      if (!m) continue;
      expect(Number(m[1]), line).toBe(offset);
      const part = m[2]!.replaceAll(' ', '');
      bytes += part;
      offset += part.length / 2;
    }
    expect(bytes).toBe(hex);
    expect(doc.slice(start, end)).toContain(`(${hex.length / 2} bytes)`);
  });
});
