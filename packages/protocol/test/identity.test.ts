/**
 * Identity keys (PROTOCOL.md §4.15): the identify payload, Ed25519 signing
 * and verification, against the fixed vectors of test-vectors.json (RFC 8032
 * test 1 key: Ed25519 is deterministic, so the signatures are fixed).
 */
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  IDENTIFY_CONTEXT,
  decodeDatagram,
  identifyPayload,
  privateKeyFromSeed,
  rawPublicKey,
  sameKey,
  signIdentify,
  verifyIdentify,
} from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const SEED = bytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const TOKEN = bytes('000102030405060708090a0b0c0d0e0f');
const CHALLENGE = bytes('f0e1d2c3b4a5968778695a4b3c2d1e0f');

interface Vector {
  name: string;
  hex: string;
}
const vectors = (JSON.parse(readFileSync(new URL('../test-vectors.json', import.meta.url), 'utf8')) as { valid: Vector[] }).valid;
const vector = (name: string): Uint8Array => bytes(vectors.find((v) => v.name === name)!.hex);

describe('identity keys', () => {
  it('the RFC 8032 test 1 seed gives its public key', () => {
    expect(hex(rawPublicKey(privateKeyFromSeed(SEED)))).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  it('the payload is "udpchat-identify-v1" 00 | challenge | name bytes', () => {
    expect(Buffer.from(IDENTIFY_CONTEXT).toString('latin1')).toBe('udpchat-identify-v1\0');
    expect(hex(identifyPayload(TOKEN, 'alice'))).toBe('756470636861742d6964656e746966792d763100' + hex(TOKEN) + '616c696365');
    expect(() => identifyPayload(new Uint8Array(15), 'alice')).toThrow(RangeError);
  });

  it.each([
    ['identify', TOKEN, 'alice'],
    ['identify-rename', CHALLENGE, 'alicia'],
  ] as const)('vector %s: its signature is the fixed key signing its challenge and name, and verifies', (name, challenge, who) => {
    const m = decodeDatagram(vector(name)).message;
    if (m.kind !== 'identify') throw new Error('not an identify');
    const key = privateKeyFromSeed(SEED);
    expect(hex(m.signature)).toBe(hex(signIdentify(key, challenge, who)));
    expect(m.name).toBe(who);
    expect(verifyIdentify(m.publicKey, challenge, who, m.signature)).toBe(true);
  });

  it('a signature is useless for another challenge (a replay), another name or another key, and any bit flipped', () => {
    const key = privateKeyFromSeed(SEED);
    const pub = rawPublicKey(key);
    const sig = signIdentify(key, TOKEN, 'alice');
    expect(verifyIdentify(pub, CHALLENGE, 'alice', sig)).toBe(false);
    expect(verifyIdentify(pub, TOKEN, 'alicE', sig)).toBe(false);
    const other = rawPublicKey(generateKeyPairSync('ed25519').privateKey);
    expect(verifyIdentify(other, TOKEN, 'alice', sig)).toBe(false);
    for (let bit = 0; bit < 512; bit += 7) {
      const bad = sig.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifyIdentify(pub, TOKEN, 'alice', bad), `bit ${bit}`).toBe(false);
    }
  });

  it('never throws for garbage: wrong sizes, a key that is no curve point', () => {
    expect(verifyIdentify(new Uint8Array(31), TOKEN, 'a', new Uint8Array(64))).toBe(false);
    expect(verifyIdentify(new Uint8Array(32), TOKEN, 'a', new Uint8Array(63))).toBe(false);
    expect(verifyIdentify(new Uint8Array(32).fill(0xff), TOKEN, 'a', new Uint8Array(64))).toBe(false);
    expect(sameKey(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(sameKey(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(sameKey(undefined, new Uint8Array([1]))).toBe(false);
  });
});
