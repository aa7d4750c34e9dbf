/**
 * Semantic colour tokens: components name what a colour means
 * (`status.error`), never a literal colour. `undefined` = the terminal's default.
 *
 * With `NO_COLOR` set (https://no-color.org) every token is `undefined`: no
 * colour at all, while bold, inverse and the text markers (`›`, `▸`, heavy
 * borders for focus) still show focus and selection.
 */
import { nameKey } from '@udpchat/protocol';

/** True when the environment asks for no colour (`NO_COLOR` set and not empty). */
export const NO_COLOR = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';

/** A colour name for Ink, or undefined (the terminal's default). */
export type ColorToken = string | undefined;

const c = (name: string): ColorToken => (NO_COLOR ? undefined : name);

export const theme = {
  text: {
    primary: undefined as ColorToken,
    secondary: c('gray'),
    accent: c('cyan'),
    own: c('gray'),
  },
  border: { focused: c('cyan'), default: c('gray') },
  status: { ok: c('green'), warning: c('yellow'), error: c('red'), info: c('cyan') },
  presence: { online: c('green'), group: c('cyan'), plain: c('yellow') },
  unread: c('yellowBright'),
  /** Colours given to contacts (contactColors.ts picks one each). */
  contactPalette: ['cyan', 'magenta', 'yellow', 'green', 'blueBright', 'redBright', 'magentaBright', 'cyanBright', 'greenBright'] as const,
};

/** A contact's colour: the same for the same name (any case), on every run and every machine (FNV-1a hash). */
export function contactColor(name: string): ColorToken {
  if (NO_COLOR) return undefined;
  let hash = 0x811c9dc5;
  for (const ch of nameKey(name)) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const palette = theme.contactPalette;
  return palette[hash % palette.length] ?? 'cyan';
}
