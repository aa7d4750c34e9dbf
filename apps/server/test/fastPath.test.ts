/**
 * The forwarding fast path (src/receive/fastPath.ts) against the slow path
 * (decode, rules, encode): two relay cores, one with each, get the same
 * datagrams — valid chats, acks and heartbeats of every shape, and mutated,
 * cut, unsigned or wrongly-tokened ones — and must send the same bytes (the
 * auth trailer aside, whose nonce is random: it must verify), count the same
 * and log the same lines. In-process (as the simulation drives the core):
 * the cores themselves, with a virtual clock; no mock of anything they use.
 * FP_RUNS=N runs more cases; FP_SEED and FP_PATH replay a failure.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { binaryString } from '../../../tools/test/binaryString.js';
import { describe, expect, it } from 'vitest';
import {
  AUTH_TRAILER_BYTES,
  createAuthKey,
  encode,
  FLAG_AUTH,
  FLAG_TOKEN,
  signInto,
  tryDecodeDatagram,
  verifyAuth,
  type AuthKey,
  type Message,
} from '@udpchat/protocol';
import { CoreDriver, ROSTER_EPOCH, WALL_EPOCH, type Sent } from './helpers/core.js';
import { MAX_PUSH_GAP_MS } from '../src/rules/presence.js';

const ALICE = 40_001;
const BOB = 40_002;
const CAROL = 40_003;
const STRANGER = 40_005;
const PLAIN = 40_009;
const KEY = createAuthKey('fast path test secret');

const idArb = fc.string({ unit: fc.constantFrom(...'ABCxyz019_-'), minLength: 1, maxLength: 64 });
const toArb = fc.constantFrom('alice', 'bob', 'carol', 'Bob', 'BOB', 'all', 'All', 'dave', 'bo', 'bobb', '127.0.0.1:40009');
const textArb = fc.oneof(fc.constant(''), binaryString({ maxLength: 60 }), fc.constant('你好 bob 👋'));
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 1, 2, 3));
const range = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);

const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    kind: fc.constant('chat' as const),
    id: idArb,
    from: binaryString({ maxLength: 10 }),
    to: toArb,
    epoch: fc.oneof(fc.constant(7), u32),
    seq: fc.oneof(fc.integer({ min: 0, max: 8 }), u32),
    base: u32,
    time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    text: textArb,
  }),
  fc.record({
    kind: fc.constant('ack' as const),
    from: binaryString({ maxLength: 10 }),
    to: toArb,
    group: fc.boolean(),
    epoch: fc.oneof(fc.constant(7), u32),
    upTo: fc.oneof(fc.integer({ min: 0, max: 10 }), u32),
    ranges: fc.array(range, { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), seq: u32 }),
  fc.record({ kind: fc.constant('list' as const), epoch: u32, version: u32 }),
);

/** What is done to one datagram before it is sent. */
type Damage = { kind: 'none' } | { kind: 'set'; at: number; value: number } | { kind: 'cut'; at: number } | { kind: 'append'; bytes: number[] };
const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(200), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(200) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }) }),
);

interface Step {
  from: number;
  message: Message;
  token: 'own' | 'none' | 'wrong';
  damage: Damage;
  /** Damage after signing (breaks the tag) or before (a malformed, authentic datagram). */
  signAfterDamage: boolean;
  advanceMs: number;
}
const stepArb: fc.Arbitrary<Step> = fc.record({
  from: fc.constantFrom(ALICE, ALICE, BOB, BOB, CAROL, STRANGER),
  message: messageArb,
  token: fc.constantFrom('own' as const, 'own' as const, 'own' as const, 'own' as const, 'none' as const, 'wrong' as const),
  damage: damageArb,
  signAfterDamage: fc.boolean(),
  advanceMs: fc.constantFrom(0, 0, 1, 30, 79, 80, 81, 200),
});

/**
 * A run's datagrams: 1 to 25, about 12 on average (size 'max': fast-check's default size would stop at ~11, 6 on
 * average). Setting up the two cores costs more than a dozen steps, so a run takes many: as many steps in all as
 * 150 / 100 runs of the default size took, twice as long sequences, half the set-ups.
 */
const stepsArb = fc.array(stepArb, { minLength: 1, maxLength: 25, size: 'max' });

function damaged(bytes: Uint8Array, d: Damage): Uint8Array {
  switch (d.kind) {
    case 'none':
      return bytes;
    case 'set': {
      // Always a change (the two cores' tokens differ: a no-op on one would not be one on the other).
      const out = bytes.slice();
      const i = d.at % Math.max(1, out.length);
      if (out.length > 0) out[i] = out[i] === d.value ? d.value ^ 0xff : d.value;
      // The flags keep their token bit: without it the (different) tokens of the two cores would be read as fields.
      if (i === 4) out[4] = ((out[4] as number) & ~FLAG_TOKEN) | ((bytes[4] as number) & FLAG_TOKEN);
      return out;
    }
    case 'cut':
      return bytes.slice(0, d.at % (bytes.length + 1));
    case 'append':
      return Uint8Array.from([...bytes, ...d.bytes]);
  }
}

/** `bytes` signed as they are (FLAG_AUTH set in their header when they have one), for a malformed but authentic datagram. */
function signRaw(key: AuthKey, bytes: Uint8Array, time: number): Uint8Array {
  const out = new Uint8Array(bytes.length + AUTH_TRAILER_BYTES);
  out.set(bytes);
  if (out.length > 4 + AUTH_TRAILER_BYTES) out[4] = (out[4] as number) | FLAG_AUTH;
  signInto(key, out, bytes.length, time);
  return out;
}

/** The datagram `step` makes for `driver` (its own tokens). */
function datagramFor(driver: CoreDriver, step: Step, secret: AuthKey | undefined, n: number): Uint8Array {
  const own = driver.tokens.get(step.from);
  const token = step.token === 'none' ? undefined : step.token === 'wrong' ? new Uint8Array(16).fill(7) : own;
  const time = WALL_EPOCH + driver.t;
  if (secret && !step.signAfterDamage) {
    return signRaw(secret, damaged(encode(step.message, token ? { token } : {}), step.damage), time);
  }
  // The same nonce for both cores (each has its own replay window): a cut or lengthened trailer reads the same.
  const nonce = Uint8Array.from([0, 0, 0, 0, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  return damaged(encode(step.message, { ...(token ? { token } : {}), ...(secret ? { auth: secret, time, nonce } : {}) }), step.damage);
}

/** What was sent, comparable across the two cores: the trailer checked and left out. */
function comparable(sent: Sent[], secret: AuthKey | undefined): string[] {
  return sent.map((s) => {
    let bytes = s.bytes;
    if (secret && bytes.length > 4 && ((bytes[4] as number) & FLAG_AUTH) !== 0) {
      const auth = {
        time: 0,
        nonce: bytes.subarray(bytes.length - 40, bytes.length - 32),
        tag: bytes.subarray(bytes.length - 32),
        signedLength: bytes.length - 32,
      };
      const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 48, 8);
      auth.time = Number(view.getBigUint64(0));
      // The relay signs with the real clock (Date.now), as its encoder does.
      assert.equal(verifyAuth(secret, bytes, auth, Date.now()), 'ok');
      bytes = bytes.subarray(0, bytes.length - AUTH_TRAILER_BYTES);
    }
    // A plain peer's line becomes a chat with a random id and the real clock's time: compared without them.
    const m = tryDecodeDatagram(bytes);
    if (m.ok && m.message.kind === 'chat' && m.message.from.includes(':')) bytes = encode({ ...m.message, id: 'plain', time: 0 });
    return `${s.address}:${s.port} ${Buffer.from(bytes).toString('hex')}`;
  });
}

/** Log lines without what differs between two processes of the same run (time, pid). */
function comparableLogs(driver: CoreDriver): unknown[] {
  // (A plain peer's line gets a random id: left out.)
  return driver.logs.map(({ time: _t, pid: _p, hostname: _h, ...rest }) => (rest.msg === 'plain text relayed' ? { ...rest, id: 'plain' } : rest));
}

function setUp(fastPath: boolean, secret: AuthKey | undefined, plainPeer: boolean): CoreDriver {
  const d = new CoreDriver({ fastPath, ...(secret ? { secret } : {}) });
  d.register(ALICE, 'alice');
  d.register(BOB, 'bob');
  d.register(CAROL, 'carol');
  d.advance(MAX_PUSH_GAP_MS); // the joins the push pacing held back go out now, not amid a test
  if (plainPeer && !secret) d.receive(PLAIN, new TextEncoder().encode('@nobody hi\n'));
  return d;
}

/** Both cores through `steps`, compared after each (node:assert: thousands of checks per property, an expect costs ~30 µs). */
function runBoth(steps: Step[], secret: AuthKey | undefined, plainPeer: boolean): void {
  const fast = setUp(true, secret, plainPeer);
  const slow = setUp(false, secret, plainPeer);
  for (const [n, step] of steps.entries()) {
    const fastFrom = fast.sent.length;
    const slowFrom = slow.sent.length;
    fast.receive(step.from, datagramFor(fast, step, secret, n));
    slow.receive(step.from, datagramFor(slow, step, secret, n));
    fast.advance(step.advanceMs);
    slow.advance(step.advanceMs);
    assert.deepEqual(comparable(fast.sent.slice(fastFrom), secret), comparable(slow.sent.slice(slowFrom), secret), `step ${n}`);
  }
  const fastFrom = fast.sent.length;
  const slowFrom = slow.sent.length;
  fast.advance(1000);
  slow.advance(1000);
  assert.deepEqual(comparable(fast.sent.slice(fastFrom), secret), comparable(slow.sent.slice(slowFrom), secret));
  assert.deepEqual(fast.core.stats(), slow.core.stats());
  assert.deepEqual(comparableLogs(fast), comparableLogs(slow));
}

describe('forwarding fast path', () => {
  it('sends, counts and logs exactly what the slow path does, for valid and invalid datagrams (open relay)', () => {
    fc.assert(
      fc.property(stepsArb, fc.boolean(), (steps, plainPeer) => runBoth(steps, undefined, plainPeer)),
      { numRuns: Number(process.env.FP_RUNS ?? 75), ...(process.env.FP_SEED ? { seed: Number(process.env.FP_SEED), path: process.env.FP_PATH } : {}) },
    );
  });

  it('…and with the shared secret (every datagram signed; damaged before or after signing)', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => runBoth(steps, KEY, false)),
      { numRuns: Number(process.env.FP_RUNS ?? 50), ...(process.env.FP_SEED ? { seed: Number(process.env.FP_SEED), path: process.env.FP_PATH } : {}) },
    );
  });

  it('takes the common cases itself (not everything left to the slow path)', () => {
    const d = setUp(true, undefined, false);
    const before = d.logs.length;
    const accepted = d.core.stats().accepted;
    const fast = d.core.fastPathHandled;
    d.send(ALICE, { kind: 'chat', id: 'm1', from: '', to: 'bob', epoch: 7, seq: 1, base: 1, time: 1, text: 'hi' });
    d.send(BOB, { kind: 'ack', from: '', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] });
    d.send(ALICE, { kind: 'heartbeat', seq: 9 });
    const sent = d.messagesSince(d.sent.length - 3);
    expect(sent).toEqual([
      { port: BOB, message: { kind: 'chat', id: 'm1', from: 'alice', to: 'bob', epoch: 7, seq: 1, base: 1, time: 1, text: 'hi' } },
      { port: ALICE, message: { kind: 'ack', from: 'bob', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] } },
      { port: ALICE, message: { kind: 'heartbeat-ack', seq: 9, epoch: ROSTER_EPOCH, version: 3 } }, // alice, bob, carol joined
    ]);
    expect(d.core.stats().accepted).toBe(accepted + 3);
    expect(d.core.fastPathHandled).toBe(fast + 3);
    // The fast path logs 'chat relayed' at debug level like the rules do.
    expect(d.logs.slice(before).map((l) => l.msg)).toEqual(['chat relayed']);
  });
});
