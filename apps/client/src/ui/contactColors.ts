/**
 * Colours for the contacts: each contact in the list gets its own colour
 * while the palette lasts (README: "each contact has its own stable colour").
 * A name's preferred colour comes from a hash of its name key (the same on
 * every machine); when two names want the same colour, the one first by name
 * keeps it and the other takes the next free colour (linear probing). So a
 * colour changes only when a name joins that wants it and sorts first.
 */
import { nameKey } from '@udpchat/protocol';
import { NO_COLOR, theme, type ColorToken } from './theme.js';

/** Colour of a name: the contact list's assignment, else the name's own preferred colour. */
export type ColorOf = (name: string) => ColorToken;

/** Index of `name`'s preferred colour in the palette (FNV-1a of its name key). */
export function preferredColorIndex(name: string, paletteSize: number): number {
  let hash = 0x811c9dc5;
  for (const ch of nameKey(name)) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % paletteSize;
}

/**
 * One palette colour per name, distinct while there are at most as many names
 * as colours (then colours repeat). Deterministic for a set of names, whatever their order.
 * @returns name key → colour.
 */
export function assignContactColors(names: readonly string[], palette: readonly string[] = theme.contactPalette): Map<string, string> {
  const keys = [...new Set(names.map(nameKey))].sort();
  const size = palette.length;
  const owner = new Array<string | undefined>(size).fill(undefined);
  const slot = new Map<string, number>();
  // First pass: every name that finds its preferred colour free takes it.
  for (const key of keys) {
    const want = preferredColorIndex(key, size);
    if (owner[want] === undefined) {
      owner[want] = key;
      slot.set(key, want);
    }
  }
  // Second pass: the others take the next free colour, or share once all are taken.
  for (const key of keys) {
    if (slot.has(key)) continue;
    const want = preferredColorIndex(key, size);
    let i = want;
    for (let step = 0; step < size && owner[i] !== undefined; step++) i = (i + 1) % size;
    if (owner[i] === undefined) owner[i] = key;
    else i = want;
    slot.set(key, i);
  }
  return new Map([...slot].map(([key, i]) => [key, palette[i] ?? palette[0] ?? 'cyan']));
}

/** A name's own preferred colour, the same for the same name (any case) on every run and machine. */
export function contactColor(name: string): ColorToken {
  if (NO_COLOR) return undefined;
  const palette = theme.contactPalette;
  return palette[preferredColorIndex(name, palette.length)];
}

/** A `ColorOf` over an assignment, falling back to the name's preferred colour (someone who left). */
export function colorLookup(assigned: ReadonlyMap<string, string>): ColorOf {
  return (name) => (NO_COLOR ? undefined : (assigned.get(nameKey(name)) ?? contactColor(name)));
}
