/**
 * Function keys from raw terminal input. Ink 6's useInput reports every F-key
 * as an empty input with no key flag (its parse-keypress knows the name but
 * useInput drops it: `\x1bOQ` and `\x1bOR`, F2 and F3, look the same), so the
 * raw input is decoded here into a `KeyPress` for the one matcher in keyBindings.ts.
 */
import type { FunctionKey, KeyPress } from './keyBindings.js';

/** Escape sequences terminals send for the function keys we use (xterm, VT220, Linux console, Shift+F2 in some). */
export const FUNCTION_KEY_SEQUENCES: Readonly<Record<FunctionKey, readonly string[]>> = {
  f2: ['\x1bOQ', '\x1b[12~', '\x1b[[B', '\x1b[1;2Q'],
};

/** The function-key presses in one chunk of raw input (in table order; none for anything else). */
export function functionKeyPresses(data: string): KeyPress[] {
  const presses: KeyPress[] = [];
  for (const [fn, sequences] of Object.entries(FUNCTION_KEY_SEQUENCES) as Array<[FunctionKey, readonly string[]]>) {
    if (sequences.some((s) => data.includes(s))) presses.push({ input: '', flags: {}, fn });
  }
  return presses;
}
