/**
 * Key bindings as a command -> matcher map (in the manner of gemini-cli's
 * keyBindings): one place to read or change which key does what.
 * Backspace arrives from Ink 6 as `key.delete` (ink#634), so both count.
 */
import type { Key } from 'ink';

/** Everything a key can do. */
export type KeyCommand =
  | 'quit'
  | 'toggleFocus'
  | 'submit'
  | 'up'
  | 'down'
  | 'scrollUp'
  | 'scrollDown'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'backspace'
  | 'deleteForward'
  | 'clearLine'
  | 'deleteWord'
  | 'escape'
  | 'retry';

type Matcher = (input: string, key: Key) => boolean;

/** Which keys trigger each command. Checked in this order. */
export const KEY_BINDINGS: ReadonlyArray<readonly [KeyCommand, Matcher]> = [
  ['quit', (input, key) => key.ctrl && input === 'c'],
  ['retry', (input, key) => key.ctrl && input === 'r'],
  ['toggleFocus', (_, key) => key.tab],
  ['submit', (_, key) => key.return],
  ['scrollUp', (_, key) => key.pageUp],
  ['scrollDown', (_, key) => key.pageDown],
  ['up', (_, key) => key.upArrow],
  ['down', (_, key) => key.downArrow],
  ['left', (input, key) => key.leftArrow || (key.ctrl && input === 'b')],
  ['right', (input, key) => key.rightArrow || (key.ctrl && input === 'f')],
  ['home', (input, key) => key.home || (key.ctrl && input === 'a')],
  ['end', (input, key) => key.end || (key.ctrl && input === 'e')],
  ['backspace', (input, key) => key.backspace || key.delete || (key.ctrl && input === 'h')],
  ['deleteForward', (input, key) => key.ctrl && input === 'd'],
  ['clearLine', (input, key) => key.ctrl && input === 'u'],
  ['deleteWord', (input, key) => key.ctrl && input === 'w'],
  ['escape', (_, key) => key.escape],
];

/** The command a key press means, or null for text input. */
export function commandFor(input: string, key: Key): KeyCommand | null {
  for (const [command, matches] of KEY_BINDINGS) if (matches(input, key)) return command;
  return null;
}
