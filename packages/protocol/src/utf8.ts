/**
 * UTF-8 helpers without I/O. Decoding is strict (RFC 3629): overlong forms,
 * surrogates and bytes C0, C1, F5–FF are errors, never replaced.
 */
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
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

/** True when `bytes` is well-formed UTF-8 (an empty array is). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Writes `text` as UTF-8 into `target` at `offset`; returns the bytes written. */
export function encodeUtf8Into(text: string, target: Uint8Array, offset: number): number {
  return encoder.encodeInto(text, target.subarray(offset)).written;
}

/** `text` as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}
