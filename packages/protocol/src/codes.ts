/**
 * Codes carried by `error` messages (relay -> client). Stable: clients match on them.
 */
export const ERROR_CODES = {
  /** The requested name is registered by another contact (names are unique case-insensitively). */
  NAME_TAKEN: 'NAME_TAKEN',
  /** The requested name breaks the name rules (names.ts). */
  NAME_INVALID: 'NAME_INVALID',
  /** The requested name is reserved (`all`). */
  NAME_RESERVED: 'NAME_RESERVED',
  /** A direct message to a name that is not online. */
  UNKNOWN_CONTACT: 'UNKNOWN_CONTACT',
  /** A datagram that needs registration came from an address that is not registered. */
  NOT_REGISTERED: 'NOT_REGISTERED',
  /** A chat message with empty text. */
  EMPTY_TEXT: 'EMPTY_TEXT',
  /** The message makes no sense in this direction (e.g. a client sent `welcome`). */
  UNEXPECTED: 'UNEXPECTED',
  /** The relay runs with a shared secret and the `hello` had no auth trailer or a wrong tag (PROTOCOL.md §6.2). */
  SECRET_REQUIRED: 'SECRET_REQUIRED',
  /** The `hello` was signed but the relay runs without a shared secret. */
  NO_SECRET: 'NO_SECRET',
  /** The `hello`'s auth time is more than AUTH_WINDOW_MS (30 s) off the relay's clock. */
  CLOCK_SKEW: 'CLOCK_SKEW',
  /** The relay has its maximum number of contacts (default 10 000). */
  RELAY_FULL: 'RELAY_FULL',
  /** Too many registrations from this IP address (per-address cap). */
  TOO_MANY_REGISTRATIONS: 'TOO_MANY_REGISTRATIONS',
  /** The name is bound to another identity key (or the client has none): "the name bob is reserved for another key" (PROTOCOL.md §6.5). */
  NAME_KEY_MISMATCH: 'NAME_KEY_MISMATCH',
  /** An `identify` whose signature does not verify over the current challenge (forged, or replayed from another registration). */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** This registration was taken over by a new one proving the same key (a restarted client): sent before the relay's `bye` to the old address. */
  SESSION_REPLACED: 'SESSION_REPLACED',
  /** A message for an offline name was not stored: its recipient's store is full (count or bytes, PROTOCOL.md §6.6); `ref` = the chat id. */
  OFFLINE_FULL: 'OFFLINE_FULL',
} as const;

/** One of the `ERROR_CODES` values. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

declare const unknownErrorCode: unique symbol;

/**
 * A code received in an `error` that is not one of `ERROR_CODES` (a newer or
 * another relay's): it still decodes, and clients show the message with it.
 * Branded, so that a typo in code that sends errors (`'NAME_TAKN'`) does not
 * compile; make one from a string with `asErrorCode`.
 */
export type UnknownErrorCode = string & { readonly [unknownErrorCode]: true };

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ERROR_CODES));

/** True when `code` is one of `ERROR_CODES`. */
export function isErrorCode(code: string): code is ErrorCode {
  return KNOWN_CODES.has(code);
}

/** `code` typed as what an `error` carries: an `ErrorCode` when it is one, else an `UnknownErrorCode`. */
export function asErrorCode(code: string): ErrorCode | UnknownErrorCode {
  return isErrorCode(code) ? code : (code as UnknownErrorCode);
}
