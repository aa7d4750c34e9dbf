/**
 * Semantic colour tokens: components name what a colour means
 * (`status.error`), never a literal colour. `undefined` = the terminal's default.
 */
import { nameKey } from '@udpchat/protocol';

export const theme = {
  text: {
    primary: undefined,
    secondary: 'gray',
    accent: 'cyan',
    own: 'gray',
  },
  border: { focused: 'cyan', default: 'gray' },
  status: { ok: 'green', warning: 'yellow', error: 'red', info: 'cyan' },
  presence: { online: 'green', group: 'cyan', plain: 'yellow' },
  unread: 'yellowBright',
  /** The classic exercise printed incoming text on a blue background (`\x1b[1;44m`): used for the sender badge. */
  incomingBadge: { color: 'whiteBright', background: 'blue' },
  /** Colours given to contacts, one each, stable across runs. */
  contactPalette: ['cyan', 'magenta', 'yellow', 'green', 'blueBright', 'redBright', 'magentaBright', 'cyanBright', 'greenBright'],
} as const;

/** A contact's colour: the same for the same name (any case), on every run and every machine (FNV-1a hash). */
export function contactColor(name: string): string {
  let hash = 0x811c9dc5;
  for (const ch of nameKey(name)) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const palette = theme.contactPalette;
  return palette[hash % palette.length] ?? 'cyan';
}
