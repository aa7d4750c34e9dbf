/**
 * Opening the client's history at start: the file of the name this client
 * starts with (schema.ts, `historyFile`), or an in-memory history with
 * `--ephemeral` (nothing written). The file is this process's for its whole
 * life: a rename with `/name` goes on writing to it (a file has one owner,
 * and the new name may be another client's on this machine), so the history
 * of a conversation held under a new name shows when the client is next
 * started with the first name.
 */
import { StoreError } from '@udpchat/store';
import { HistoryDb } from './historyDb.js';
import { historyFile } from './schema.js';

/** A history that cannot be opened; `message` is one line for the user (which file, what to do). */
export class HistoryOpenError extends Error {
  constructor(
    message: string,
    readonly code: StoreError['code'],
  ) {
    super(message);
  }
}

/**
 * Opens the history of `name` in `dataDir` (null: in memory).
 * @throws HistoryOpenError LOCKED (another client runs as `name` with this data directory), CORRUPT, TOO_NEW, IO.
 */
export function openHistory(dataDir: string | null, name: string): HistoryDb {
  try {
    return HistoryDb.open(dataDir === null ? null : historyFile(dataDir, name));
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    if (err.code === 'LOCKED') {
      throw new HistoryOpenError(
        `${name} is already running with this data directory (${err.message}); quit it first, or use another --name, --data-dir or --ephemeral`,
        err.code,
      );
    }
    throw new HistoryOpenError(`history: ${err.message}`, err.code);
  }
}
