/**
 * The typed codec: tryDecodeDatagram against decodeDatagram, error codes
 * unknown to this version, the direction of each kind against PROTOCOL.md, the
 * non-throwing UTF-8 decoder, and — by compiling fixtures with the TypeScript
 * compiler — that a layout with a wrong field name or type does not compile.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { binaryString } from '../../../tools/test/binaryString.js';
import type TypeScript from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  asErrorCode,
  createAuthKey,
  decodeDatagram,
  encode,
  ERROR_CODES,
  isErrorCode,
  KIND_DIRECTION,
  MESSAGE_KINDS,
  ProtocolError,
  sentBy,
  CLIENT_KINDS,
  tryDecodeDatagram,
} from '../src/index.js';
import { decodeUtf8 } from '../src/utf8.js';
import { messageArb, optionsArb } from './arbitraries.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// Required, not imported: an ESM import of this 9 MB CommonJS module first scans it for its export names (~0.5 s of CPU).
const ts = createRequire(import.meta.url)('typescript') as typeof TypeScript;
const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

/** What decodeDatagram does with `bytes`: the datagram, or the code it throws. */
function viaThrow(bytes: Uint8Array): unknown {
  try {
    const { message, token, auth } = decodeDatagram(bytes);
    return { ok: true, message, token, auth };
  } catch (err) {
    if (err instanceof ProtocolError) return { ok: false, code: err.code };
    throw err;
  }
}

/** tryDecodeDatagram's result, its reason left out (compared separately). */
function viaResult(bytes: Uint8Array): unknown {
  const r = tryDecodeDatagram(bytes);
  if (r.ok) return r;
  assert.match(r.reason, /\S/);
  return { ok: false, code: r.code };
}

interface Vectors {
  valid: Array<{ name: string; hex: string }>;
  invalid: Array<{ name: string; hex: string; code: string; padTo?: number }>;
}
const vectors = JSON.parse(readFileSync(here('../test-vectors.json'), 'utf8')) as Vectors;

describe('tryDecodeDatagram', () => {
  it('gives what decodeDatagram gives for every test vector, as a result instead of a throw', () => {
    for (const v of vectors.valid) {
      const r = tryDecodeDatagram(fromHex(v.hex));
      expect(r.ok, v.name).toBe(true);
      expect(viaResult(fromHex(v.hex)), v.name).toEqual(viaThrow(fromHex(v.hex)));
    }
    for (const v of vectors.invalid) {
      const bytes = new Uint8Array(Math.max(v.padTo ?? 0, v.hex.length / 2));
      bytes.set(fromHex(v.hex));
      const r = tryDecodeDatagram(bytes);
      expect(r.ok ? 'decoded' : r.code, v.name).toBe(v.code);
      if (!r.ok) expect(r).not.toBeInstanceOf(Error);
    }
  });

  it('never throws, and agrees with decodeDatagram on random bytes and on mutated valid datagrams', () => {
    const key = createAuthKey('typed codec test key');
    const mutated = fc
      .tuple(messageArb, optionsArb, fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
      .map(([m, options, signed, edits, cut]) => {
        const bytes = encode(m, signed ? { ...options, auth: key } : options);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        return cut % 5 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
      });
    // node:assert: an expect costs more than a decode (its deepStrictEqual is the stricter: undefined fields and types count).
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1300 }), mutated), (bytes) => {
        assert.deepStrictEqual(viaResult(bytes), viaThrow(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('error codes', () => {
  it('decodes a code this version does not know (as an UnknownErrorCode) and every known one (as an ErrorCode)', () => {
    const future = asErrorCode('SLOW_DOWN_PLEASE');
    expect(isErrorCode(future)).toBe(false);
    const r = tryDecodeDatagram(encode({ kind: 'error', code: future, message: 'not yet', ref: '' }));
    expect(r.ok && r.message).toEqual({ kind: 'error', code: 'SLOW_DOWN_PLEASE', message: 'not yet', ref: '' });
    for (const code of Object.values(ERROR_CODES)) {
      const m = decodeDatagram(encode({ kind: 'error', code, message: '', ref: '' })).message;
      expect(m.kind === 'error' && isErrorCode(m.code) && m.code).toBe(code);
      expect(asErrorCode(code)).toBe(code);
    }
  });
});

describe('KIND_DIRECTION', () => {
  it('says for every kind what the kind table of PROTOCOL.md §2 says', () => {
    const doc = readFileSync(here('../PROTOCOL.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `0x([0-9a-f]{2})` \| `([a-z-]+)` \| ([^|]+) \|/gm)];
    const fromDoc = Object.fromEntries(
      rows.map(([, , kind, said]) => {
        const s = (said as string).trim();
        const direction = /either|and/.test(s) ? 'both' : s.startsWith('client') ? 'client-to-relay' : 'relay-to-client';
        return [kind, direction];
      }),
    );
    expect(KIND_DIRECTION).toEqual(fromDoc);
    expect(MESSAGE_KINDS).toEqual(rows.map((r) => r[2]));
    expect(sentBy('welcome', 'client')).toBe(false);
    expect(sentBy('welcome', 'relay')).toBe(true);
    expect(sentBy('chat', 'client') && sentBy('chat', 'relay')).toBe(true);
    expect(sentBy('hello', 'relay')).toBe(false);
    expect(CLIENT_KINDS).toEqual(MESSAGE_KINDS.filter((kind) => sentBy(kind, 'client')));
  });
});

describe('decodeUtf8', () => {
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const reference = (bytes: Uint8Array): string | null => {
    try {
      return strict.decode(bytes);
    } catch {
      return null;
    }
  };
  it('gives the strict decoder text, or null where it throws, without throwing', () => {
    // Bytes near the edges of RFC 3629's table, valid U+FFFD among them.
    const edgy = fc.constantFrom(0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbd, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.array(edgy, { maxLength: 12 }).map((a) => Uint8Array.from(a)), binaryString().map((s) => new TextEncoder().encode(s))), (bytes) => {
        assert.equal(decodeUtf8(bytes), reference(bytes));
      }),
      { numRuns: 5000 },
    );
    expect(decodeUtf8(Uint8Array.from([0xef, 0xbf, 0xbd]))).toBe('\uFFFD');
    expect(decodeUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBeNull(); // a surrogate
  });
});

describe('schema types', () => {
  const src = here('../src/');
  // Each line marked BAD must be refused by the compiler; the rest must compile.
  const fixture = `
import type { Layout } from '${src}schema.js';
import type { ErrorMessage } from '${src}messages.js';
import { contactKind, name, str8, u32 } from '${src}fields.js';
export const good: Layout<'heartbeat'> = { seq: u32 };
export const join: Layout<'join'> = { epoch: u32, version: u32, name, type: contactKind };
export const misspelt: Layout<'heartbeat'> = { sequ: u32 }; // BAD: a field name that is not the message's
export const wrongType: Layout<'heartbeat'> = { seq: str8() }; // BAD: a string codec for a number
export const missing: Layout<'join'> = { epoch: u32, version: u32, name }; // BAD: a field left out
export const optional: Layout<'hello'> = { name, padding: u32 }; // BAD: an optional field's codec must take undefined
export const typo: ErrorMessage = { kind: 'error', code: 'NAME_TAKN', message: '', ref: '' }; // BAD: not an ERROR_CODES code
export const known: ErrorMessage = { kind: 'error', code: 'NAME_TAKEN', message: '', ref: '' };
`;
  it('refuses a layout with a wrong field name, a wrong codec type or a missing field, and an unknown error code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delivery-schema-types-'));
    try {
      const file = join(dir, 'fixture.ts');
      writeFileSync(file, fixture);
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        // ES5's lib alone: the layouts' types need no later one (with lib.es2023 the same five diagnostics, word
        // for word, after parsing 60 lib files instead of 3: ~0.4 s more CPU).
        lib: ['lib.es5.d.ts'],
        types: [],
        skipLibCheck: true,
      });
      // The fixture's diagnostics only (the sources it imports are type-checked by tsc -b, not again here).
      const refused = ts
        .getPreEmitDiagnostics(program, program.getSourceFile(file))
        .filter((d) => d.file?.fileName === file)
        .map((d) => (d.file as TypeScript.SourceFile).getLineAndCharacterOfPosition(d.start ?? 0).line + 1);
      const bad = fixture.split('\n').flatMap((line, i) => (line.includes('// BAD') ? [i + 1] : []));
      expect(bad).toHaveLength(5);
      expect([...new Set(refused)].sort((a, b) => a - b)).toEqual(bad);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
