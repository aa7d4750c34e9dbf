/**
 * Identity key files (identity/keyFiles.ts): one Ed25519 key per name key in
 * <dataDir>/keys, PKCS#8 PEM, mode 0600 in a 0700 folder, created once and
 * read back; a damaged file is a clear error naming it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyIdentify } from '@udpchat/protocol';
import { KeyFileError, keyFileOf, keyFileProvider, loadOrCreateKey } from '../src/identity/keyFiles.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'udpchat-keys-'));
  dirs.push(d);
  return d;
};

describe('identity key files', () => {
  it('creates <dataDir>/keys/<name key>.key (PKCS#8 PEM, 0600, folder 0700) once, and reads the same key back', () => {
    const dir = tempDir();
    const provider = keyFileProvider(dir);
    const bob = provider('Bob');
    const file = keyFileOf(dir, 'Bob');
    expect(file).toBe(join(dir, 'keys', 'bob.key'));
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(bob?.publicKey).toHaveLength(32);
    const again = keyFileProvider(dir)('bob'); // another process, another spelling: the same key
    expect(Buffer.from(again!.publicKey).equals(Buffer.from(bob!.publicKey))).toBe(true);
    const challenge = new Uint8Array(16).fill(5);
    expect(verifyIdentify(bob!.publicKey, challenge, 'bob', again!.sign(challenge, 'bob'))).toBe(true);
    const carol = provider('carol');
    expect(Buffer.from(carol!.publicKey).equals(Buffer.from(bob!.publicKey))).toBe(false);
  });

  it('a damaged key file is a KeyFileError that names the file and says what to do; it is left as it was', () => {
    const dir = tempDir();
    loadOrCreateKey(dir, 'bob');
    const file = keyFileOf(dir, 'bob');
    writeFileSync(file, 'not a key');
    let error: unknown;
    try {
      keyFileProvider(dir)('bob');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as KeyFileError).message).toContain(file);
    expect((error as KeyFileError).message).toContain('move it aside');
    expect(readFileSync(file, 'utf8')).toBe('not a key');
  });
});

describe('identity key files, created by several processes at once', () => {
  it('every process ends with the same, complete key (never half a file)', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const dir = tempDir();
    const built = fileURLToPath(new URL('../dist/identity/keyFiles.js', import.meta.url));
    const script = `import(${JSON.stringify(built)}).then((m) => { const id = m.keyFileProvider(${JSON.stringify(dir)})('racer'); process.stdout.write(Buffer.from(id.publicKey).toString('hex')); })`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
        }),
      ),
    );
    expect(new Set(outputs).size).toBe(1);
    expect(outputs[0]).toMatch(/^[0-9a-f]{64}$/);
  });
});
