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
} as const;

/** One of the `ERROR_CODES` values. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
