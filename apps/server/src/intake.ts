/**
 * First look at a received datagram: a protocol message, plain text from a
 * plain-text peer, a 0-byte datagram, or something to drop.
 * Pure: no I/O, no state.
 */
import { decode, isProtocolDatagram, isProtocolError, type Message, type ProtocolErrorCode } from '@udpchat/protocol';

/** What a received datagram turned out to be. */
export type Intake =
  /** A well-formed protocol message. */
  | { readonly kind: 'message'; readonly message: Message }
  /**
   * Not a protocol datagram but well-formed UTF-8 (at least one byte): text
   * from a plain-text peer, exactly as received (newline not stripped yet, a
   * leading U+FEFF kept). Any length: it is not bound by the protocol's 1200 bytes.
   */
  | { readonly kind: 'text'; readonly text: string }
  /** A 0-byte datagram. */
  | { readonly kind: 'empty' }
  /**
   * Something to drop: a protocol datagram `decode` refused (`code` is the
   * `ProtocolError` code, `detail` its text), or `BAD_UTF8` for a datagram
   * that is neither a protocol datagram nor well-formed UTF-8.
   */
  | { readonly kind: 'malformed'; readonly code: ProtocolErrorCode; readonly detail: string };

/** Strict (RFC 3629) decoder: overlong forms, surrogates, C0, C1, F5–FF and cut sequences throw. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Classifies one datagram, in this order:
 * 0 bytes -> `empty`; first bytes FF 55 (`isProtocolDatagram`) -> `decode`
 * (`message`, or `malformed` with decode's code); well-formed UTF-8 ->
 * `text`; anything else -> `malformed` / `BAD_UTF8`. Protocol datagrams and
 * UTF-8 text cannot be confused: 0xFF never occurs in UTF-8.
 *
 * @throws only what `decode` throws besides `ProtocolError`, i.e. nothing (a bug otherwise).
 */
export function classify(bytes: Uint8Array): Intake {
  if (bytes.length === 0) return { kind: 'empty' };
  if (!isProtocolDatagram(bytes)) {
    try {
      return { kind: 'text', text: strictUtf8.decode(bytes) };
    } catch {
      return { kind: 'malformed', code: 'BAD_UTF8', detail: 'neither a udpchat datagram nor UTF-8 text' };
    }
  }
  try {
    return { kind: 'message', message: decode(bytes) };
  } catch (err) {
    if (isProtocolError(err)) return { kind: 'malformed', code: err.code, detail: err.message };
    throw err;
  }
}
