/**
 * The order of names in the contact list: natural (numbers by value, so
 * spam2 comes before spam10) and case-insensitive, by `Intl.Collator` with
 * `numeric: true` (ECMA-402 §10.1), one collator for all comparisons.
 */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Compares two names for sorting: negative when `a` comes first. */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
