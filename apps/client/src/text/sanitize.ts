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

/** An emoji skin-tone modifier (Fitzpatrick, U+1F3FB–U+1F3FF) right after another character. */
const TONE = /(?<=\S)([\u{1F3FB}-\u{1F3FF}])/gu;
/** A zero-width joiner between two emoji (a ZWJ sequence such as 👨‍👩‍👧). */
const EMOJI_ZWJ = /(?<=\p{Extended_Pictographic}\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;

/**
 * `text` with every control and bidi-formatting character shown as a visible
 * escape, and emoji sequences that terminals draw wider than one emoji
 * (skin tones, ZWJ sequences: tmux draws 👋🏽 in 4 columns, string-width and
 * so Ink count 2, and the row overflows its pane) cut into their emoji with a
 * zero-width space, so that what Ink lays out is what the terminal draws.
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeOne).replace(TONE, '\u200B$1').replace(EMOJI_ZWJ, '\u200B');
}

/** True when `text` holds a character `escapeControls` would replace. */
export function hasControls(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
