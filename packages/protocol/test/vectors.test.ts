/**
 * The byte-exact vectors of test-vectors.json against the codec, and against
 * PROTOCOL.md, so that code, vectors and documentation cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  encodingLength,
  isProtocolDatagram,
  type Message,
  type MessageKind,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
} from '../src/index.js';

interface ValidVector {
  name: string;
  description: string;
  message: Message;
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
    const chats = vectors.valid.filter((v) => v.message.kind === 'chat').map((v) => v.message);
    expect(chats.some((m) => m.kind === 'chat' && m.to === 'all')).toBe(true);
    expect(chats.some((m) => m.kind === 'chat' && m.to !== 'all')).toBe(true);
    // numbered chats: seq from 1, base at most seq
    for (const m of chats) if (m.kind === 'chat') expect(m.base <= m.seq && m.seq >= 1, JSON.stringify(m)).toBe(true);
  });

  it('has a direct ack with selective ranges and a group ack without', () => {
    const acks = vectors.valid.map((v) => v.message).filter((m) => m.kind === 'ack');
    expect(acks.some((m) => !m.group && m.ranges.length >= 2)).toBe(true);
    expect(acks.some((m) => m.group && m.ranges.length === 0)).toBe(true);
  });

  it('has an invalid vector for every ProtocolErrorCode', () => {
    expect(new Set(vectors.invalid.map((v) => v.code))).toEqual(new Set(PROTOCOL_ERROR_CODES));
  });

  describe.each(vectors.valid.map((v) => [v.name, v] as const))('valid %s', (_name, v) => {
    it('encode(message) gives exactly the hex', () => {
      expect(toHex(encode(v.message))).toBe(v.hex);
    });

    it('decode(hex) gives exactly the message', () => {
      expect(decode(fromHex(v.hex))).toStrictEqual(v.message);
    });

    it('encodingLength(message) is the byte length', () => {
      expect(encodingLength(v.message)).toBe(v.hex.length / 2);
    });

    it('is a protocol datagram with header FF 55 01 <kind> 00', () => {
      const bytes = fromHex(v.hex);
      expect(isProtocolDatagram(bytes)).toBe(true);
      expect([...bytes.subarray(0, 5)]).toEqual([0xff, 0x55, 0x01, KIND_CODES[v.message.kind], 0x00]);
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
