import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { computeTag, createAuthKey, encode, type AuthKey, type Message } from '@udpchat/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSecret, stripOneNewline } from '../src/index.js';

describe('loadSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'udpchat-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** Two keys are the same secret when they sign alike. */
  const same = (a: AuthKey, b: AuthKey): boolean => {
    const probe = new TextEncoder().encode('probe');
    return Buffer.from(computeTag(a, probe, probe.length)).equals(computeTag(b, probe, probe.length));
  };

  it('reads a file without one trailing newline (LF or CRLF), and only one', () => {
    const lf = loadSecret({ file: file('lf', 'open sesame\n') });
    expect(lf).toMatchObject({ source: `file ${join(dir, 'lf')}` });
    expect(lf !== null && 'key' in lf && same(lf.key, createAuthKey('open sesame'))).toBe(true);
    const crlf = loadSecret({ file: file('crlf', 'open sesame\r\n') });
    expect(crlf !== null && 'key' in crlf && same(crlf.key, createAuthKey('open sesame'))).toBe(true);
    const two = loadSecret({ file: file('two', 'open sesame\n\n') });
    expect(two !== null && 'key' in two && same(two.key, createAuthKey('open sesame\n'))).toBe(true);
    expect(Array.from(stripOneNewline(Uint8Array.of(0x61, 0x0d)))).toEqual([0x61, 0x0d]);
    const binary = loadSecret({ file: file('bin', Uint8Array.of(0, 255, 1, 254, 2, 253, 3, 252)) });
    expect(binary).toMatchObject({ key: expect.anything() });
  });

  it('a secret file ending in CR LF signs the signed vectors of test-vectors.json byte for byte (PROTOCOL.md §3.2)', () => {
    interface Signed { name: string; message: Message; token?: string; auth?: { secret: string; time: number; nonce: string }; hex: string }
    const url = new URL('../../protocol/test-vectors.json', import.meta.url);
    const signed = (JSON.parse(readFileSync(url, 'utf8')) as { valid: Signed[] }).valid.filter((v) => v.auth !== undefined);
    expect(signed.length).toBeGreaterThan(0);
    for (const v of signed) {
      const auth = v.auth!;
      const loaded = loadSecret({ file: file(`vector-${v.name}`, `${auth.secret}\r\n`) });
      if (loaded === null || !('key' in loaded)) throw new Error(`no key for ${v.name}`);
      const token = v.token === undefined ? undefined : new Uint8Array(Buffer.from(v.token, 'hex'));
      const bytes = encode(v.message, { token, auth: loaded.key, time: auth.time, nonce: new Uint8Array(Buffer.from(auth.nonce, 'hex')) });
      expect(Buffer.from(bytes).toString('hex'), v.name).toBe(v.hex);
    }
  });

  it('takes UDPCHAT_SECRET when no file is given; the file wins; empty or none is no secret', () => {
    expect(loadSecret({ env: 'from the environment' })).toMatchObject({ source: 'UDPCHAT_SECRET' });
    expect(loadSecret({ file: file('wins', 'the file wins'), env: 'from the environment' })).toMatchObject({
      source: `file ${join(dir, 'wins')}`,
    });
    expect(loadSecret({ env: '' })).toBeNull();
    expect(loadSecret({})).toBeNull();
  });

  it('says why on one line, naming the file or variable and never the secret', () => {
    const missing = join(dir, 'nope');
    expect(loadSecret({ file: missing })).toEqual({ error: `cannot read the secret file ${missing}: no such file (ENOENT)` });
    expect(loadSecret({ file: dir })).toEqual({ error: `cannot read the secret file ${dir}: it is a directory (EISDIR)` });
    const short = file('short', 'abc\n');
    expect(loadSecret({ file: short })).toEqual({ error: `the shared secret is 3 bytes; at least 8 are needed (secret file ${short})` });
    expect(loadSecret({ env: 'tiny' })).toEqual({ error: 'the shared secret is 4 bytes; at least 8 are needed (UDPCHAT_SECRET)' });
  });
});
