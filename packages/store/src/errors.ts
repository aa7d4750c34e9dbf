/**
 * Errors of the store. Each has a stable `code` (the model: ws's error codes)
 * and a one-line `message` meant for the user or operator: it names the file
 * and, where there is one, the way out. Programs print the message, never a
 * stack trace.
 */

/** Why a database could not be opened or used. */
export type StoreErrorCode =
  /** Another live process owns the file (its pid is in the message). */
  | 'LOCKED'
  /** The file is not a readable SQLite database, or fails its integrity check. */
  | 'CORRUPT'
  /** The file's schema version is newer than this program knows (written by a newer udpchat). */
  | 'TOO_NEW'
  /** The file or its folder cannot be created, read or written (permissions, disk full). */
  | 'IO';

/** A failure of the store; `file` is the database path concerned. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}
