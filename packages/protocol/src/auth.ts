/**
 * Shared-secret authentication of datagrams (PROTOCOL.md §3.2): an
 * HMAC-SHA256 tag (RFC 2104) over the whole datagram, with a time and a nonce
 * so that stale and replayed datagrams can be refused. No I/O; node:crypto
 * only computes.
 */
import { createHmac, createSecretKey, type KeyObject, randomFillSync, timingSafeEqual } from 'node:crypto';
import { AUTH_WINDOW_MS, MIN_SECRET_BYTES, NONCE_BYTES, TAG_BYTES } from './constants.js';
import { NonceSet } from './nonceSet.js';

/** A shared secret, ready to compute tags with. Make one with `createAuthKey`. */
export interface AuthKey {
  /** The secret as a node:crypto key object (never printed or logged). */
  readonly key: KeyObject;
}

/** The auth trailer of a received datagram (FLAG_AUTH), as `decodeDatagram` found it. */
export interface AuthTrailer {
  /** When the sender sent it, in ms since the Unix epoch. */
  time: number;
  /** NONCE_BYTES (8) random bytes, unique per datagram. */
  nonce: Uint8Array;
  /** TAG_BYTES (32) of HMAC-SHA256 over bytes [0, signedLength) of the datagram. */
  tag: Uint8Array;
  /** How many bytes of the datagram the tag covers: all of them but the tag. */
  signedLength: number;
}

/**
 * Why a shared secret is unusable, or undefined when it is fine.
 * @param secret the secret's bytes.
 * @returns e.g. "the shared secret is 3 bytes; at least 8 are needed".
 */
export function secretProblem(secret: Uint8Array): string | undefined {
  if (secret.length < MIN_SECRET_BYTES) {
    return `the shared secret is ${secret.length} bytes; at least ${MIN_SECRET_BYTES} are needed`;
  }
  return undefined;
}

/**
 * Prepares a shared secret for signing and verifying.
 * @param secret raw bytes, or a string taken as its UTF-8 bytes.
 * @throws RangeError when `secretProblem` objects (shorter than MIN_SECRET_BYTES = 8 bytes).
 */
export function createAuthKey(secret: Uint8Array | string): AuthKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const problem = secretProblem(bytes);
  if (problem !== undefined) throw new RangeError(problem);
  return { key: createSecretKey(bytes) };
}

/**
 * HMAC-SHA256 of `bytes[0, end)` under `key`.
 * @returns TAG_BYTES (32) bytes.
 */
export function computeTag(key: AuthKey, bytes: Uint8Array, end: number): Buffer {
  return createHmac('sha256', key.key).update(bytes.subarray(0, end)).digest();
}

/**
 * Signs a datagram in place (PROTOCOL.md §3.2): writes the auth trailer —
 * `time`, a fresh nonce, the HMAC-SHA256 tag over `bytes[0, end + 16)` — at
 * `bytes[end, end + 48)`. The header's flags must already say FLAG_AUTH.
 * @param end where the fields end (the trailer's offset); `bytes` has 48 bytes from there.
 * @param time ms since the Unix epoch, at most 2^53 − 1.
 * @returns the datagram's length, `end` + 48.
 */
export function signInto(key: AuthKey, bytes: Uint8Array, end: number, time: number): number {
  const high = Math.floor(time / 0x1_0000_0000);
  const low = time - high * 0x1_0000_0000;
  bytes[end] = high >>> 24;
  bytes[end + 1] = (high >>> 16) & 0xff;
  bytes[end + 2] = (high >>> 8) & 0xff;
  bytes[end + 3] = high & 0xff;
  bytes[end + 4] = low >>> 24;
  bytes[end + 5] = (low >>> 16) & 0xff;
  bytes[end + 6] = (low >>> 8) & 0xff;
  bytes[end + 7] = low & 0xff;
  fillNonce(bytes, end + 8);
  const signed = end + 8 + NONCE_BYTES;
  bytes.set(computeTag(key, bytes, signed), signed);
  return signed + TAG_BYTES;
}

/** True when `trailer.tag` is the right tag for `bytes` under `key` (constant-time compare). */
export function tagMatches(key: AuthKey, bytes: Uint8Array, trailer: AuthTrailer): boolean {
  const expected = computeTag(key, bytes, trailer.signedLength);
  return trailer.tag.length === TAG_BYTES && timingSafeEqual(expected, trailer.tag);
}

const noncePool = new Uint8Array(4096);
let noncePoolOffset = noncePool.length;

/** A fresh random nonce of NONCE_BYTES (8), from a pool refilled by node:crypto's CSPRNG. */
export function randomNonce(): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  fillNonce(nonce, 0);
  return nonce;
}

/** Writes a fresh random nonce (NONCE_BYTES) at `target[offset]`, from the same pool, without allocating. */
function fillNonce(target: Uint8Array, offset: number): void {
  if (noncePoolOffset + NONCE_BYTES > noncePool.length) {
    randomFillSync(noncePool);
    noncePoolOffset = 0;
  }
  for (let i = 0; i < NONCE_BYTES; i++) target[offset + i] = noncePool[noncePoolOffset + i] as number;
  noncePoolOffset += NONCE_BYTES;
}

/** What `ReplayWindow.admit` decided. */
export type ReplayVerdict = 'fresh' | 'replay' | 'full';

/** Default most nonces a `ReplayWindow` remembers at once (PROTOCOL.md §6.3). */
export const REPLAY_WINDOW_MAX_ENTRIES = 4_000_000;

/**
 * Remembers the nonces of accepted datagrams long enough to refuse a replay
 * for as long as its time would still be accepted (PROTOCOL.md §3.2): a
 * datagram stamped t is accepted while the clock is within t ± windowMs, so a
 * nonce is kept for more than 2 × windowMs and at most 4 × windowMs (two
 * generations of 2 × windowMs each). Bounded: past `maxEntries` remembered
 * nonces it admits nothing ('full') until the older generation is dropped,
 * failing closed rather than forgetting.
 *
 * A nonce is keyed by its first 6 bytes (48 bits, an integer in [0, 2^48)):
 * two honest nonces collide with probability about n / 2^48 (1.4·10^-8 with
 * 4 million remembered).
 *
 * Storage: one `NonceSet` per generation (src/nonceSet.ts: open addressing,
 * linear probing, a Float64Array of 8-byte slots holding key + 1, load factor
 * ≤ 1/2, doubling from 1,024 slots; a new generation's table is sized for as
 * many nonces as the generation before it, within the room left), off the
 * V8 heap and with no object per nonce: a generation of n nonces takes
 * 2n–4n slots, 16–32 bytes per nonce.
 *
 * Sustained, the cap is reached at maxEntries / (4 × windowMs) signed
 * datagrams per second for the whole receiver: 4,000,000 / 120 s ≈ 33,000/s
 * with the defaults. At that rate two generations of ~2,000,000 nonces take
 * 2 × 2^22 slots = 64 MiB (67.1 MB, 16.8 bytes per nonce); whatever the
 * traffic, at most 2^23 + 2^22 slots = 96 MiB (100.7 MB: a generation of more
 * than 2^21 nonces next to one of more than 2^20). Measured with
 * test/measureReplayWindow.ts (BENCHMARKS.md, "Shared secret"): 16.8 bytes
 * per nonce at 1,000,000 (37.0 with the Set<number> it replaces); admit
 * 130–265 ns (typically 260–550 with the Set).
 */
export class ReplayWindow {
  private current = new NonceSet();
  private previous = new NonceSet();
  private rotatedAt: number | undefined;

  /**
   * @param windowMs the accepted clock difference, in ms (AUTH_WINDOW_MS = 30 000).
   * @param maxEntries most nonces remembered at once (REPLAY_WINDOW_MAX_ENTRIES = 4,000,000).
   */
  constructor(
    private readonly windowMs: number = AUTH_WINDOW_MS,
    private readonly maxEntries: number = REPLAY_WINDOW_MAX_ENTRIES,
  ) {}

  /** Nonces remembered now. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /**
   * Records `nonce` seen at `now` (ms) unless it was seen before.
   * @returns 'fresh' (recorded), 'replay' (seen within the window) or 'full' (table full, not recorded).
   */
  admit(nonce: Uint8Array, now: number): ReplayVerdict {
    this.rotate(now);
    const key = nonceKey(nonce);
    if (this.previous.has(key)) return 'replay';
    if (this.size >= this.maxEntries) return this.current.has(key) ? 'replay' : 'full';
    return this.current.add(key) ? 'fresh' : 'replay';
  }

  /**
   * Generations start on a fixed grid of 2 × windowMs from the first admit, so
   * a nonce admitted at t is dropped by the start of the generation after next:
   * kept more than 2 × windowMs and at most 4 × windowMs, however the admits
   * fall. (Restarting the grid at each late rotation kept nonces up to 6 × windowMs.)
   * A dropped generation's table is left to the GC; a new one allocates nothing
   * until its first nonce.
   */
  private rotate(now: number): void {
    if (this.rotatedAt === undefined) this.rotatedAt = now;
    const generation = 2 * this.windowMs;
    const age = now - this.rotatedAt;
    if (age < generation) return;
    // windowMs 0: every admit starts a new, empty pair of generations.
    const elapsed = generation > 0 ? Math.floor(age / generation) : 2;
    this.previous = elapsed === 1 ? this.current : new NonceSet();
    // sized for as many as the generation before it (steady traffic: no
    // growth, no rehash pause), but no more than the room left
    this.current = new NonceSet(Math.min(this.previous.size, this.maxEntries - this.previous.size));
    this.rotatedAt = generation > 0 ? this.rotatedAt + elapsed * generation : now;
  }
}

/** The first 6 bytes of `nonce` (fewer if shorter) as a big-endian integer in [0, 2^48). */
function nonceKey(nonce: Uint8Array): number {
  let key = 0;
  for (let i = 0; i < 6 && i < nonce.length; i++) key = key * 256 + (nonce[i] as number);
  return key;
}

/** Outcome of `verifyAuth`: 'ok', or why the datagram must be dropped. */
export type AuthVerdict = 'ok' | 'missing' | 'bad-tag' | 'stale' | 'replay' | 'replay-cache-full';

/**
 * Checks a received datagram's auth trailer, in this order: present
 * ('missing'), tag ('bad-tag'), time within ±windowMs of `now` ('stale'),
 * nonce not seen before ('replay', or 'replay-cache-full'). Only an 'ok'
 * datagram's nonce is recorded.
 * @param bytes the whole datagram.
 * @param trailer its trailer from `decodeDatagram`, or undefined when it had none.
 * @param now the receiver's clock, ms since the Unix epoch.
 * @param replay where nonces are remembered; omit to skip the replay check.
 */
export function verifyAuth(
  key: AuthKey,
  bytes: Uint8Array,
  trailer: AuthTrailer | undefined,
  now: number,
  replay?: ReplayWindow,
  windowMs: number = AUTH_WINDOW_MS,
): AuthVerdict {
  if (trailer === undefined) return 'missing';
  if (!tagMatches(key, bytes, trailer)) return 'bad-tag';
  if (Math.abs(now - trailer.time) > windowMs) return 'stale';
  if (replay === undefined) return 'ok';
  const verdict = replay.admit(trailer.nonce, now);
  return verdict === 'fresh' ? 'ok' : verdict === 'replay' ? 'replay' : 'replay-cache-full';
}
