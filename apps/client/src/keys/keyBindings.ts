/**
 * Key bindings as data (in the manner of gemini-cli's keyBindings): which
 * keys trigger each command and what it does, in one table read by one
 * generic matcher (`commandFor`), the hint line, `/help` and the README test.
 * Backspace arrives from Ink 6 as `key.delete` (ink#634), so both count.
 */

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
  | 'retry'
  | 'toggleInspector';

/** The named keys a binding can use: the flags of Ink's `Key` that are set for one key each. */
export type NamedKey =
  | 'tab'
  | 'return'
  | 'escape'
  | 'upArrow'
  | 'downArrow'
  | 'leftArrow'
  | 'rightArrow'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'backspace'
  | 'delete';

/** The function keys we decode ourselves (Ink 6's useInput reports every F-key as an empty input, see functionKeys.ts). */
export type FunctionKey = 'f2';

/** One key of a binding: a named key, Ctrl + a letter, or a function key. */
export type KeySpec = { key: NamedKey } | { ctrl: true; input: string } | { fn: FunctionKey };

/**
 * One key press as the matcher sees it: Ink's `(input, key)` pair (its `Key`
 * fits `flags`), or a function key decoded from the raw input (`fn`).
 */
export interface KeyPress {
  /** The text of the key (the letter for Ctrl + letter), '' for named and function keys. */
  input: string;
  /** Which named keys and modifiers are set. */
  flags: Partial<Record<NamedKey | 'ctrl' | 'meta', boolean>>;
  /** The function key, when the press is one. */
  fn?: FunctionKey;
}

/** A command, the keys that trigger it, and what it does (for `/help`, the hint line and the README). */
export interface KeyBinding {
  command: KeyCommand;
  /** Any of these triggers the command; the first is the one shown in the hint line. */
  keys: readonly KeySpec[];
  /** What it does, for `/help` (bindings next to each other with the same text share one line). */
  does: string;
  /** The short text of the hint line (bindings next to each other with the same text share one entry); none: not hinted. */
  hint?: string;
  /** The slash command that does the same, if any (its `/help` line then names the keys). */
  slash?: string;
}

const ctrl = (input: string): KeySpec => ({ ctrl: true, input });

/** Every binding. The order is the order of `/help` and of the hint line; no two bindings share a key. */
export const KEY_BINDINGS: readonly KeyBinding[] = [
  { command: 'toggleFocus', keys: [{ key: 'tab' }], does: 'contacts ⇄ input', hint: 'contacts ⇄ input' },
  { command: 'submit', keys: [{ key: 'return' }], does: 'send, or open the picked contact', hint: 'send / open' },
  { command: 'up', keys: [{ key: 'upArrow' }], does: 'pick a contact, or recall an earlier input' },
  { command: 'down', keys: [{ key: 'downArrow' }], does: 'pick a contact, or recall an earlier input' },
  { command: 'scrollUp', keys: [{ key: 'pageUp' }], does: 'scroll the conversation', hint: 'scroll' },
  { command: 'scrollDown', keys: [{ key: 'pageDown' }], does: 'scroll the conversation', hint: 'scroll' },
  { command: 'escape', keys: [{ key: 'escape' }], does: 'back to the newest message (or from the contacts to the input)' },
  { command: 'left', keys: [{ key: 'leftArrow' }, ctrl('b')], does: 'move the caret by a character' },
  { command: 'right', keys: [{ key: 'rightArrow' }, ctrl('f')], does: 'move the caret by a character' },
  { command: 'home', keys: [{ key: 'home' }, ctrl('a')], does: 'caret to the start / end of the input' },
  { command: 'end', keys: [{ key: 'end' }, ctrl('e')], does: 'caret to the start / end of the input' },
  { command: 'backspace', keys: [{ key: 'backspace' }, { key: 'delete' }, ctrl('h')], does: 'delete before the caret' },
  { command: 'deleteForward', keys: [ctrl('d')], does: 'delete after the caret' },
  { command: 'clearLine', keys: [ctrl('u')], does: 'clear the input' },
  { command: 'deleteWord', keys: [ctrl('w')], does: 'delete the word before the caret' },
  { command: 'retry', keys: [ctrl('r')], does: 'send the failed messages of this conversation again', slash: '/retry' },
  { command: 'toggleInspector', keys: [{ fn: 'f2' }], does: 'datagram inspector: show, enlarge, hide', slash: '/datagrams' },
  { command: 'quit', keys: [ctrl('c')], does: 'leave', hint: 'quit', slash: '/quit' },
];

/** Whether `press` is the key `spec`. Exact: Ctrl + letter needs Ctrl, a named key its flag, a function key its name. */
export function matchesKey(spec: KeySpec, press: KeyPress): boolean {
  if ('fn' in spec) return press.fn === spec.fn;
  if ('key' in spec) return press.flags[spec.key] === true;
  return press.flags.ctrl === true && press.input === spec.input;
}

/** The command a key press means, or null for text input. */
export function commandFor(press: KeyPress): KeyCommand | null {
  for (const binding of KEY_BINDINGS) if (binding.keys.some((spec) => matchesKey(spec, press))) return binding.command;
  return null;
}

const KEY_LABELS: Record<NamedKey, string> = {
  tab: 'Tab',
  return: 'Enter',
  escape: 'Esc',
  upArrow: '↑',
  downArrow: '↓',
  leftArrow: '←',
  rightArrow: '→',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  backspace: 'Backspace',
  delete: 'Delete',
};

/** How a key is written for people: `Tab`, `Ctrl+R`, `F2`. */
export function keyLabel(spec: KeySpec): string {
  if ('fn' in spec) return spec.fn.toUpperCase();
  if ('key' in spec) return KEY_LABELS[spec.key];
  return `Ctrl+${spec.input.toUpperCase()}`;
}

/** Runs of bindings next to each other with the same `text`, as [joined labels, text]. */
function runs(bindings: readonly KeyBinding[], text: (b: KeyBinding) => string | undefined, labels: (b: KeyBinding) => string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let last: string | undefined;
  for (const b of bindings) {
    const t = text(b);
    if (t === undefined) continue;
    const row = out[out.length - 1];
    if (row && t === last) row[0] = `${row[0]}/${labels(b)}`;
    else out.push([labels(b), t]);
    last = t;
  }
  return out;
}

/** The key hint line shown when there is no notice: `Tab: contacts ⇄ input · … · /help · Ctrl+C: quit`. */
export function keyHint(bindings: readonly KeyBinding[] = KEY_BINDINGS): string {
  const entries = runs(bindings, (b) => b.hint, (b) => keyLabel(b.keys[0] as KeySpec)).map(([keys, text]) => `${keys}: ${text}`);
  // `/help` goes before the last entry (quit), the way out stays at the end.
  return [...entries.slice(0, -1), '/help', ...entries.slice(-1)].join(' · ');
}

/** The `/help` rows of the keys without a slash command, as [keys, what they do]. */
export function keyHelpRows(bindings: readonly KeyBinding[] = KEY_BINDINGS): Array<[string, string]> {
  return runs(bindings.filter((b) => b.slash === undefined), (b) => b.does, (b) => b.keys.map(keyLabel).join('/'));
}

/** The keys of the binding with this slash command, as `F2` or `Ctrl+R` ('' for none). */
export function keysOfSlash(slash: string, bindings: readonly KeyBinding[] = KEY_BINDINGS): string {
  return bindings.find((b) => b.slash === slash)?.keys.map(keyLabel).join('/') ?? '';
}
