/**
 * First look at a received datagram: a protocol message, or something to drop.
 * Pure: no I/O, no state.
 */
import { decode, isProtocolError, type Message, type ProtocolErrorCode } from '@udpchat/protocol';

/** What a received datagram turned out to be. */
export type Intake =
  /** A well-formed protocol message. */
  | { readonly kind: 'message'; readonly message: Message }
  /** Not a message `decode` accepts; `code` is the `ProtocolError` code, `detail` its text. */
  | { readonly kind: 'malformed'; readonly code: ProtocolErrorCode; readonly detail: string };

/**
 * Classifies one datagram.
 *
 * Plain text (anything not starting with the magic bytes FF 55, which no UTF-8
 * text can) and the 0-byte datagram come back as `malformed` / `BAD_MAGIC` for
 * now. Plain-text peers will be recognised here, before `decode`, with
 * `!isProtocolDatagram(bytes)`, as their own `Intake` kind.
 *
 * @throws only what `decode` throws besides `ProtocolError`, i.e. nothing (a bug otherwise).
 */
export function classify(bytes: Uint8Array): Intake {
  try {
    return { kind: 'message', message: decode(bytes) };
  } catch (err) {
    if (isProtocolError(err)) return { kind: 'malformed', code: err.code, detail: err.message };
    throw err;
  }
}
