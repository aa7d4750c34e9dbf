/**
 * Display-width helpers: columns a string takes in a terminal (CJK and most
 * emoji take 2), measured with `string-width`, cut on grapheme boundaries
 * (Intl.Segmenter) so a wide character or an emoji sequence is never split.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Columns `text` takes in a terminal. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** The grapheme clusters of `text` (what a user sees as one character). */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * `text` cut to at most `columns` columns, ending in `…` when cut. Never
 * splits a grapheme, never overflows by a wide character (cf. cli-truncate#28).
 */
export function truncateToWidth(text: string, columns: number): string {
  if (columns <= 0) return '';
  if (displayWidth(text) <= columns) return text;
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const w = displayWidth(g);
    if (used + w > columns - 1) break;
    out += g;
    used += w;
  }
  return `${out}…`;
}

/**
 * `text` cut to at most `columns` columns by taking out its middle
 * (`abcdefghijklmnopqrstuvwxyz` at 10 → `abcde…wxyz`), so long names that share
 * a beginning stay distinguishable. Never splits a grapheme or overflows.
 */
export function truncateMiddle(text: string, columns: number): string {
  if (columns <= 0) return '';
  if (displayWidth(text) <= columns) return text;
  if (columns < 4) return truncateToWidth(text, columns);
  const parts = graphemes(text);
  const room = columns - 1;
  const tailRoom = Math.floor(room / 2);
  let tail = '';
  let tailWidth = 0;
  for (let i = parts.length - 1; i >= 0; i--) {
    const w = displayWidth(parts[i] ?? '');
    if (tailWidth + w > tailRoom) break;
    tail = (parts[i] ?? '') + tail;
    tailWidth += w;
  }
  let head = '';
  let headWidth = 0;
  for (const g of parts) {
    const w = displayWidth(g);
    if (headWidth + w > room - tailWidth) break;
    head += g;
    headWidth += w;
  }
  return `${head}…${tail}`;
}

/** `text` padded with spaces (or truncated) to exactly `columns` columns. */
export function padToWidth(text: string, columns: number): string {
  const cut = truncateToWidth(text, columns);
  return cut + ' '.repeat(Math.max(0, columns - displayWidth(cut)));
}

/**
 * Wraps `text` into lines of at most `columns` columns: breaks after spaces
 * where it can, inside a word (between graphemes) where it must — CJK text has
 * no spaces and breaks anywhere. A grapheme wider than `columns` gets a line of its own.
 */
export function wrapToWidth(text: string, columns: number): string[] {
  const width = Math.max(1, columns);
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  let lastSpace = -1; // index in `line` just after the last space
  let widthAtSpace = 0;
  for (const g of graphemes(text)) {
    const w = displayWidth(g);
    if (lineWidth + w > width && line !== '') {
      if (g !== ' ' && lastSpace > 0 && lastSpace < line.length) {
        lines.push(line.slice(0, lastSpace).trimEnd());
        line = line.slice(lastSpace);
        lineWidth -= widthAtSpace;
      } else {
        lines.push(line.trimEnd());
        line = '';
        lineWidth = 0;
      }
      lastSpace = -1;
      if (g === ' ' && line === '') continue; // no leading space on a wrapped line
    }
    line += g;
    lineWidth += w;
    if (g === ' ') {
      lastSpace = line.length;
      widthAtSpace = lineWidth;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}
