/**
 * UTF-8 helpers without I/O. Decoding is strict (RFC 3629): overlong forms,
 * surrogates and bytes C0, C1, F5–FF are errors, never replaced.
 */
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Replaces malformed sequences with U+FFFD instead of throwing (checked by `decodeUtf8`). */
const lenientDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Number of bytes `text` takes in UTF-8, without encoding it. A lone
 * surrogate counts 3 bytes (TextEncoder writes it as U+FFFD).
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Strictly decodes UTF-8.
 * @throws TypeError when `bytes` is not well-formed UTF-8.
 */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

/**
 * Strictly decodes UTF-8 without throwing: the text, or null when `bytes` is
 * not well-formed (what `decodeUtf8Strict` would throw for). Builds no Error
 * either way (the codec's hot path): a lenient decode, and only when it
 * produced U+FFFD — a replacement or a real U+FFFD — a check of the bytes.
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  const text = lenientDecoder.decode(bytes);
  return text.includes('\uFFFD') && !isWellFormedUtf8(bytes) ? null : text;
}

/** RFC 3629 §4 well-formedness of all of `b`. */
function isWellFormedUtf8(b: Uint8Array): boolean {
  return isWellFormedUtf8Range(b, 0, b.length);
}

/**
 * RFC 3629 §4 well-formedness of `b[start, end)`, byte by byte (no overlongs,
 * no surrogates, nothing above U+10FFFF, no sequence cut at `end`): exactly
 * what the strict decoder accepts, without building a string (a test checks
 * the two agree on arbitrary bytes). Allocates nothing.
 */
export function isWellFormedUtf8Range(b: Uint8Array, start: number, end: number): boolean {
  const n = end;
  let i = start;
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
    } else if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= n || ((b[i + 1] as number) & 0xc0) !== 0x80) return false;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= n) return false;
      const c1 = b[i + 1] as number;
      if (c1 < (c === 0xe0 ? 0xa0 : 0x80) || c1 > (c === 0xed ? 0x9f : 0xbf)) return false;
      if (((b[i + 2] as number) & 0xc0) !== 0x80) return false;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= n) return false;
      const c1 = b[i + 1] as number;
      if (c1 < (c === 0xf0 ? 0x90 : 0x80) || c1 > (c === 0xf4 ? 0x8f : 0xbf)) return false;
      if (((b[i + 2] as number) & 0xc0) !== 0x80 || ((b[i + 3] as number) & 0xc0) !== 0x80) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

/** True when `bytes` is well-formed UTF-8 (an empty array is). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `text` as UTF-8 into `target` at `offset`; returns the bytes written.
 * Its ASCII start is copied unit by unit (most names, ids and texts are all
 * ASCII, and short: cheaper than a view and a call into the encoder), the
 * rest, from the first other unit, by the encoder.
 */
export function encodeUtf8Into(text: string, target: Uint8Array, offset: number): number {
  const n = text.length;
  let i = 0;
  for (; i < n; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) break;
    target[offset + i] = unit;
  }
  if (i === n) return n;
  return i + encoder.encodeInto(i === 0 ? text : text.slice(i), target.subarray(offset + i)).written;
}

/** `text` as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}
