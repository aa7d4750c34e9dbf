/**
 * `fc.string({ unit: 'binary' })` without its one-off cost: fast-check's 'binary' unit is a mapToConstant
 * over every code point but the surrogates, and the first string arbitrary built on it maps back the
 * characters of fast-check's "dangerous strings" (`__proto__`…), which builds a Map of all 1,112,064 code
 * points: ~1.2 s of CPU per test worker that builds one (a third of a protocol test file's CPU).
 * `binaryUnit` is the same arbitrary (the same `fc.nat` mapped the same way: the same values, shrinks
 * and seeds) with an arithmetic inverse instead of the Map.
 */
import fc from 'fast-check';

const SURROGATES_START = 0xd800;
const SURROGATES = 0xe000 - 0xd800;
const CODE_POINTS = 0x110000 - SURROGATES;

/** Choice index (0 … 1,112,063) → the one-code-point string fast-check's 'binary' unit builds from it. */
function toChar(index: number): string {
  return String.fromCodePoint(index < SURROGATES_START ? index : index + SURROGATES);
}

/** The inverse of toChar; throws for anything else (a surrogate, several code points, not a string). */
function toIndex(value: unknown): number {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2) throw new Error('not one code point');
  const cp = value.codePointAt(0) as number;
  if (String.fromCodePoint(cp) !== value || (cp >= SURROGATES_START && cp < SURROGATES_START + SURROGATES)) throw new Error('not one code point');
  return cp < SURROGATES_START ? cp : cp - SURROGATES;
}

/** One code point, any but a surrogate: fast-check's `'binary'` string unit, generated identically. */
export const binaryUnit: fc.Arbitrary<string> = fc.nat({ max: CODE_POINTS - 1 }).map(toChar, toIndex);

/** `fc.string({ unit: 'binary', ...constraints })`: the same values for the same seed, without the Map. */
export function binaryString(constraints: Omit<fc.StringConstraints, 'unit'> = {}): fc.Arbitrary<string> {
  return fc.string({ ...constraints, unit: binaryUnit });
}
