/**
 * fast-check generators and helpers shared by the property tests (not a test
 * file itself: vitest only collects *.test.ts).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { binaryString } from '../../../tools/test/binaryString.js';
import {
  type AuthKey,
  createAuthKey,
  decodeDatagram,
  encode,
  type EncodeOptions,
  encodingLength,
  MAX_ACK_RANGES,
  type Message,
  NONCE_BYTES,
  ProtocolError,
  TAG_BYTES,
  TOKEN_BYTES,
} from '../src/index.js';

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const name = binaryString({ minLength: 1, maxLength: 32 });
const anyString = (maxLength: number) => binaryString({ maxLength });
const id = fc.string({ unit: fc.constantFrom(...'ABCXYZabcxyz0189_-'), minLength: 1, maxLength: 64 });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const contactKind = fc.constantFrom('client' as const, 'plain' as const);
/** A valid [first, last] range: first <= last, edges of u32 included. */
const range = fc
  .tuple(fc.oneof(u32, fc.constantFrom(0, 0xffff_ffff)), fc.oneof(u32, fc.constantFrom(0, 0xffff_ffff)))
  .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
/** 16 bytes, as a plain Uint8Array (not a Buffer). */
export const tokenArb = fc.uint8Array({ minLength: TOKEN_BYTES, maxLength: TOKEN_BYTES });
export const nonceArb = fc.uint8Array({ minLength: NONCE_BYTES, maxLength: NONCE_BYTES });
export const timeArb = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(0, 1_767_225_600_000, Number.MAX_SAFE_INTEGER),
);
/** A shared secret of 8–64 random bytes (the shortest accepted is 8). */
export const authKeyArb: fc.Arbitrary<AuthKey> = fc
  .uint8Array({ minLength: 8, maxLength: 64 })
  .map((secret) => createAuthKey(secret));

/** Every kind, valid values only; welcome tokens are Uint8Arrays, other values JSON-exact. */
export const messageArb: fc.Arbitrary<Message> = fc
  .oneof(
    fc.record(
      { kind: fc.constant('hello' as const), name, padding: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constant(1000)) },
      { requiredKeys: ['kind', 'name'] },
    ),
    fc.record({
      kind: fc.constant('welcome' as const),
      name,
      address: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 32 }), // ≤ 64 bytes
      port: fc.integer({ min: 0, max: 65535 }),
      heartbeatIntervalMs: u32,
      presenceTimeoutMs: u32,
      token: tokenArb,
      hostedByClient: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('contacts' as const),
      epoch: u32,
      version: u32,
      page: fc.integer({ min: 0, max: 65535 }),
      pages: fc.integer({ min: 0, max: 65535 }),
      contacts: fc.array(fc.record({ name, type: contactKind }), { maxLength: 9 }),
    }),
    fc.record({ kind: fc.constant('join' as const), epoch: u32, version: u32, name, type: contactKind }),
    fc.record({ kind: fc.constant('leave' as const), epoch: u32, version: u32, name, reason: fc.constantFrom('bye' as const, 'timeout' as const) }),
    fc.record({
      kind: fc.constant('chat' as const),
      id,
      from: binaryString({ maxLength: 32 }),
      to: name,
      epoch: u32,
      seq: u32,
      base: u32,
      time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      text: anyString(197),
    }),
    fc.record({ kind: fc.constant('heartbeat' as const), seq: u32 }),
    fc.record({ kind: fc.constant('heartbeat-ack' as const), seq: u32, epoch: u32, version: u32 }),
    fc.record({ kind: fc.constant('bye' as const), reason: anyString(63) }),
    fc.record({
      kind: fc.constant('error' as const),
      code: binaryString({ minLength: 1, maxLength: 16 }),
      message: anyString(128),
      ref: fc.oneof(fc.constant(''), id),
    }),
    fc.record({ kind: fc.constant('relay-ack' as const), id, recipients: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({
      kind: fc.constant('ack' as const),
      from: binaryString({ maxLength: 32 }),
      to: name,
      group: fc.boolean(),
      epoch: u32,
      upTo: u32,
      // size 'max': lengths spread over 0..32, not only the small ones fast-check prefers
      ranges: fc.array(range, { maxLength: MAX_ACK_RANGES, size: 'max' }),
    }),
    fc.record({ kind: fc.constant('list' as const), epoch: u32, version: u32 }),
    fc.record({ kind: fc.constant('rename' as const), epoch: u32, version: u32, from: name, name }),
    fc.record({
      kind: fc.constant('roster-delta' as const),
      epoch: u32,
      from: u32,
      version: u32,
      changes: fc.array(fc.record({ name, state: fc.constantFrom('client' as const, 'plain' as const, 'left-bye' as const, 'left-timeout' as const) }), { maxLength: 8 }),
    }),
    fc.record({
      kind: fc.constant('identify' as const),
      name,
      publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    }),
    fc.record({ kind: fc.constant('challenge' as const), name, challenge: tokenArb }),
    fc.record({ kind: fc.constant('stored' as const), id, to: name }),
    fc.record({ kind: fc.constant('receipt' as const), id, by: name }),
    fc.record({ kind: fc.constant('receipt-ack' as const), id }),
  )
  // fc.record builds null-prototype objects; make them plain like decode's
  .map((m) => plainCopy(m) as Message);

/**
 * `value` with every object (fc.record's null-prototype ones) copied as a plain object, arrays as arrays,
 * Uint8Arrays (welcome.token, identify.publicKey and .signature, challenge.challenge) and the rest as they
 * are: what JSON.parse(JSON.stringify(...)) with the byte fields put back gave, at a fraction of the cost
 * (thousands of messages per property).
 */
function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const plain: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) plain[key] = plainCopy(field);
  return plain;
}

/** A random envelope: no token or one, no auth trailer or one with a random key, time and nonce. */
export const optionsArb: fc.Arbitrary<EncodeOptions> = fc.record(
  { token: tokenArb, auth: authKeyArb, time: timeArb, nonce: nonceArb },
  { requiredKeys: [] },
);

/** A key for re-encoding what was decoded: the tag differs, everything before it must not. */
const REENCODE_KEY = createAuthKey('re-encode key');

/**
 * decodeDatagram either returns a datagram that re-encodes (same message, token,
 * trailer time and nonce) to the same bytes up to the tag, or throws
 * ProtocolError; anything else fails the test.
 */
export function decodeIsTotal(bytes: Uint8Array): 'decoded' | 'refused' {
  let d: ReturnType<typeof decodeDatagram>;
  try {
    d = decodeDatagram(bytes);
  } catch (err) {
    if (err instanceof ProtocolError) return 'refused';
    throw err;
  }
  const options: EncodeOptions = { token: d.token };
  if (d.auth) Object.assign(options, { auth: REENCODE_KEY, time: d.auth.time, nonce: d.auth.nonce });
  const again = encode(d.message, options);
  const signed = d.auth ? bytes.length - TAG_BYTES : bytes.length;
  // node:assert, not expect: this runs thousands of times per property (an expect costs ~30 µs).
  assert.equal(again.length, bytes.length);
  assert.equal(toHex(again.subarray(0, signed)), toHex(bytes.subarray(0, signed)));
  assert.equal(encodingLength(d.message, options), bytes.length);
  return 'decoded';
}
