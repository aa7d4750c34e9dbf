/**
 * Terminal safety: text that came from the network must never reach the
 * terminal raw. Every C0 control (U+0000–U+001F), DEL, every C1 control
 * (U+0080–U+009F) and the bidirectional formatting characters (Unicode
 * UAX #9: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) are replaced
 * by a visible escape such as `\x1b` or `\u202e`, so an ESC, CSI, OSC or BEL
 * arrives as printable characters and cannot clear the screen, set the window
 * title or reorder the line.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control and bidi-formatting character shown as a visible escape. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** True when `text` holds a character `escapeControls` would replace. */
export function hasControls(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
