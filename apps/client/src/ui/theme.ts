/**
 * Semantic colour tokens: components name what a colour means
 * (`status.error`), never a literal colour. `undefined` = the terminal's default.
 *
 * With `NO_COLOR` set (https://no-color.org) every token is `undefined`: no
 * colour at all, while bold, inverse and the text markers (`›`, `▸`, heavy
 * borders for focus) still show focus and selection.
 */
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
