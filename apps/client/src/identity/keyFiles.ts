/**
 * Identity key files (PROTOCOL.md §6.5): one Ed25519 key pair per name in
 * `<dataDir>/keys/<name>.key`, the private key as PKCS#8 PEM (the public key
 * is derived from it), the file mode 0600 in a folder of mode 0700. The file
 * is named by the name's key (`nameKey`: NFC, lower case), so `Bob` and
 * `bob` share one, as they share one name at the relay. Created on first
 * use, atomically (two clients starting at once end with the same key).
 * This is the driver's I/O; the protocol core only gets an `IdentityProvider`.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameKey, rawPublicKey, signIdentify } from '@udpchat/protocol';
import type { Identity, IdentityProvider } from '../net/core/keyedLink.js';

/** A key file that cannot be read, parsed or written: the message names the file. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** The key file of `name` in `dataDir`. */
export function keyFileOf(dataDir: string, name: string): string {
  return join(dataDir, 'keys', `${nameKey(name)}.key`);
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function readKey(file: string): KeyObject | null {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeyFileError(file, `cannot read the identity key ${file}: ${reason(err)}`);
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it holds a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
    return key;
  } catch (err) {
    throw new KeyFileError(file, `the identity key ${file} is unusable (${reason(err)}); move it aside to make a new one (the relay will then refuse this name until its operator releases it)`);
  }
}

/**
 * The private key of `name` in `dataDir`, created (0600, folder 0700) when missing.
 * @throws KeyFileError when the file cannot be read, parsed or written.
 */
export function loadOrCreateKey(dataDir: string, name: string): KeyObject {
  const file = keyFileOf(dataDir, name);
  const existing = readKey(file);
  if (existing) return existing;
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  // Written whole under a temporary name, then linked into place: the key file appears complete or
  // not at all (a client starting at the same moment never reads half a key), and link() refuses to
  // replace one that another process made first (EEXIST: that one is the key).
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    chmodSync(join(dataDir, 'keys'), 0o700);
    writeFileSync(temp, pem, { mode: 0o600, flag: 'wx' });
    linkSync(temp, file);
    return privateKey;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKey(file) ?? privateKey; // another process made it first
    throw new KeyFileError(file, `cannot write the identity key ${file}: ${reason(err)}`);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** An `Identity` for a private key. */
export function identityOf(key: KeyObject): Identity {
  return { publicKey: rawPublicKey(key), sign: (challenge, name) => signIdentify(key, challenge, name) };
}

/**
 * The keys of every name used, from `dataDir` (loaded once per name key,
 * created when missing). The provider throws KeyFileError for a bad file.
 */
export function keyFileProvider(dataDir: string): IdentityProvider {
  const cache = new Map<string, Identity>();
  return (name) => {
    const key = nameKey(name);
    let identity = cache.get(key);
    if (!identity) {
      identity = identityOf(loadOrCreateKey(dataDir, name));
      cache.set(key, identity);
    }
    return identity;
  };
}
