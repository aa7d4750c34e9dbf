/**
 * Identity keys (PROTOCOL.md §4.15, §6.5): a name's Ed25519 key pair
 * (RFC 8032), the payload an `identify` signs, and the checks. No I/O:
 * node:crypto only computes. Ed25519 signatures are deterministic, so a fixed
 * key and challenge give a fixed signature (the test vectors).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { CHALLENGE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, TOKEN_BYTES } from './constants.js';

/** The domain-separation prefix of every identify payload: ASCII `udpchat-identify-v1` and a 0 byte (20 bytes). */
export const IDENTIFY_CONTEXT: Uint8Array = new Uint8Array([...Buffer.from('udpchat-identify-v1', 'ascii'), 0]);

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4) before the 32 raw key bytes. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** DER prefix of an Ed25519 PKCS#8 PrivateKeyInfo (RFC 8410 §7) before the 32-byte seed. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * What an `identify` signs: IDENTIFY_CONTEXT (20 bytes) | challenge (16 bytes:
 * the welcome's session token at registration, a `challenge`'s bytes for a
 * rename) | the name's UTF-8 bytes exactly as in the `identify`.
 * @throws RangeError when `challenge` is not 16 bytes.
 */
export function identifyPayload(challenge: Uint8Array, name: string): Uint8Array {
  if (challenge.length !== CHALLENGE_BYTES || challenge.length !== TOKEN_BYTES) {
    throw new RangeError(`a challenge is ${CHALLENGE_BYTES} bytes, not ${challenge.length}`);
  }
  const nameBytes = Buffer.from(name, 'utf8');
  const out = new Uint8Array(IDENTIFY_CONTEXT.length + CHALLENGE_BYTES + nameBytes.length);
  out.set(IDENTIFY_CONTEXT, 0);
  out.set(challenge, IDENTIFY_CONTEXT.length);
  out.set(nameBytes, IDENTIFY_CONTEXT.length + CHALLENGE_BYTES);
  return out;
}

/** The raw 32-byte public key of an Ed25519 key (private or public). */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - PUBLIC_KEY_BYTES));
}

/**
 * An Ed25519 private key from its 32-byte seed (RFC 8032 §5.1.5), for test vectors and tools.
 * @throws RangeError when `seed` is not 32 bytes.
 */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The Ed25519 signature (64 bytes) of the identify payload of `challenge` and `name` under `privateKey`. */
export function signIdentify(privateKey: KeyObject, challenge: Uint8Array, name: string): Uint8Array {
  return new Uint8Array(sign(null, identifyPayload(challenge, name), privateKey));
}

/**
 * Whether `signature` signs the identify payload of `challenge` and `name`
 * under the raw public key `publicKey`. False (never a throw) for a key or
 * signature of the wrong size or a key that is not a valid point.
 */
export function verifyIdentify(publicKey: Uint8Array, challenge: Uint8Array, name: string, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES || challenge.length !== CHALLENGE_BYTES) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return verify(null, identifyPayload(challenge, name), key, signature);
  } catch {
    return false;
  }
}

/** Whether two raw public keys are the same bytes. */
export function sameKey(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}
