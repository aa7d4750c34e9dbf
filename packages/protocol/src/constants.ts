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
export const PROTOCOL_VERSION = 2;
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
 * Largest chat text, in UTF-8 bytes, that always fits in one datagram, even
 * with a session token and an auth trailer: MAX_DATAGRAM_BYTES minus the
 * header (5), the token (16), the auth trailer (48) and the other chat fields
 * at their largest (id 60, from 128, to 128 bytes, plus length prefixes,
 * epoch, seq, base and time: 341 bytes) = 790.
 */
export const MAX_TEXT_BYTES = 790;

/** Header flag bit: a 16-byte session token follows the header (PROTOCOL.md §3). */
export const FLAG_TOKEN = 0x01;
/** Header flag bit: the datagram ends with a 48-byte auth trailer (PROTOCOL.md §3). */
export const FLAG_AUTH = 0x02;
/** Every flag bit version 1 defines; any other bit is `BAD_FLAGS`. */
export const KNOWN_FLAGS = FLAG_TOKEN | FLAG_AUTH;

/** Bytes of a session token: 128 random bits (PROTOCOL.md §6.1). */
export const TOKEN_BYTES = 16;
/** Bytes of the auth trailer's nonce (random per datagram). */
export const NONCE_BYTES = 8;
/** Bytes of an HMAC-SHA256 tag (RFC 2104, FIPS 180-4: 256 bits). */
export const TAG_BYTES = 32;
/** Bytes of the auth trailer: time u64 (8) + nonce (8) + tag (32). */
export const AUTH_TRAILER_BYTES = 8 + NONCE_BYTES + TAG_BYTES;
/** How far an auth trailer's time may be from the receiver's clock, in ms, either way. */
export const AUTH_WINDOW_MS = 30_000;
/** Shortest shared secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 8;

/**
 * Smallest `hello` a client sends, in bytes (padding included). The relay
 * never sends an address that has not completed registration more bytes than
 * it received from it (anti-amplification, stricter than RFC 9000 §8.1's 3×),
 * and its `welcome` is at most 274 bytes (auth trailer included); a padded `hello` pays for it.
 */
export const HELLO_MIN_BYTES = 300;

/** Name of the group conversation that reaches every contact. Reserved. */
export const GROUP_ALL = 'all';

/**
 * How long the relay holds the `relay-ack` of a numbered direct chat to a
 * protocol client, in ms (PROTOCOL.md §4.11): when the recipient's `ack`
 * covering it passes back within this time the relay-ack is not sent (the
 * ack says more); otherwise it goes out then. Below the clients' smallest
 * retransmission timeout (100 ms, §5), above the reference client's ack
 * delay (at most one ack per conversation per 50 ms).
 */
export const RELAY_ACK_DELAY_MS = 80;

/** Default relay port. */
export const DEFAULT_RELAY_PORT = 8081;

/**
 * How often a client sends a heartbeat, in ms (issue #2 presence rule; 10 s
 * since issue 12: at 10,000 clients a heartbeat and its ack every 5 s alone
 * were 4,000 datagrams/s, above the 3,000 of the presence budget).
 */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** How long a contact may stay silent before the relay drops it, in ms (three heartbeat intervals). */
export const PRESENCE_TIMEOUT_MS = 30_000;

/** Bytes of a raw Ed25519 public key (RFC 8032 §5.1.5), in `identify` (PROTOCOL.md §4.15). */
export const PUBLIC_KEY_BYTES = 32;
/** Bytes of an Ed25519 signature (RFC 8032 §5.1.6), in `identify`. */
export const SIGNATURE_BYTES = 64;
/** Bytes of a relay challenge in `challenge` (the registration's challenge is the 16-byte session token). */
export const CHALLENGE_BYTES = 16;
