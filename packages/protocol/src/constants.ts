/**
 * Wire constants of the udpchat protocol. See PROTOCOL.md for the byte layout.
 */

/**
 * First byte of every protocol datagram. 0xFF can never occur in well-formed
 * UTF-8 (RFC 3629 §1: the octets C0, C1 and F5–FF never appear), so a protocol
 * datagram can never be mistaken for plain UTF-8 text, and plain text can
 * never be mistaken for a protocol datagram.
 */
export const MAGIC_0 = 0xff;
/** Second magic byte: ASCII `U` (0x55), for "udpchat". */
export const MAGIC_1 = 0x55;
/** The protocol version this module encodes and accepts. */
export const PROTOCOL_VERSION = 1;
/** Bytes of the fixed header: magic (2), version (1), kind (1), flags (1). */
export const HEADER_BYTES = 5;

/**
 * Largest datagram, in bytes, that `encode` produces and `decode` accepts.
 * 1200 bytes is the datagram size RFC 9000 §14 treats as safe on any path,
 * so a protocol datagram is never fragmented at the IP layer.
 */
export const MAX_DATAGRAM_BYTES = 1200;

/** Longest contact name, in Unicode code points. */
export const MAX_NAME_CHARS = 32;

/**
 * Largest chat text, in UTF-8 bytes, that always fits in one datagram:
 * MAX_DATAGRAM_BYTES minus the header and the other chat fields at their
 * largest (id 64, from 128, to 128 bytes, plus length prefixes, seq, base and time: 346 bytes).
 */
export const MAX_TEXT_BYTES = 850;

/** Name of the group conversation that reaches every contact. Reserved. */
export const GROUP_ALL = 'all';

/** Default relay port. */
export const DEFAULT_RELAY_PORT = 8081;

/** How often a client sends a heartbeat, in ms (issue #2 presence rule). */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** How long a contact may stay silent before the relay drops it, in ms. */
export const PRESENCE_TIMEOUT_MS = 15_000;
