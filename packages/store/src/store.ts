/**
 * An embedded SQL database file: node-sqlite3-wasm (SQLite compiled to
 * WebAssembly: no compiler, installs in under a second), opened with
 * - `locking_mode=EXCLUSIVE` then `journal_mode=WAL`: write-ahead logging
 *   without the shared-memory index this VFS lacks (https://sqlite.org/wal.html
 *   §"Use of WAL without shared-memory"), so one process owns the file;
 * - `synchronous=FULL`: a commit is on disk (fsync) when `run` returns, so
 *   whatever a caller acknowledges after a commit survives `kill -9` and power loss;
 * - a schema version (`PRAGMA user_version`) moved forward by numbered
 *   migrations, each in its own transaction;
 * - an application id (`PRAGMA application_id`) so a relay never opens a
 *   client's file or the reverse;
 * - an integrity check (`PRAGMA quick_check`) at open: a torn or corrupt file
 *   is refused with a clear message instead of being used or replaced.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type sqliteModule from 'node-sqlite3-wasm';
import { StoreError } from './errors.js';
import { acquireOwnerLock, type OwnerLock } from './ownerLock.js';

/** The database handle (node-sqlite3-wasm's `Database`). */
export type Database = InstanceType<typeof sqliteModule.Database>;

let sqlite: typeof sqliteModule | null = null;
/**
 * node-sqlite3-wasm, loaded on the first `openStore` (synchronously: it is
 * CommonJS). Loading it compiles its WebAssembly (~200 ms on a busy 2-core
 * machine), so a program that never opens a store (`--help`, `--version`, a
 * usage mistake, an `--ephemeral` relay) never pays for it; an `--ephemeral`
 * client does (its history is an in-memory database).
 */
function loadSqlite(): typeof sqliteModule {
  sqlite ??= createRequire(import.meta.url)('node-sqlite3-wasm') as typeof sqliteModule;
  return sqlite;
}

/** One step of the schema: applied once, in order of `version` (1, 2, 3, …). */
export interface Migration {
  /** The schema version this migration brings the file to. */
  readonly version: number;
  /** SQL statements (one `exec`), run inside the migration's transaction. */
  readonly sql: string;
}

/** What to open. */
export interface StoreOptions {
  /** Database file path, or null for a private in-memory database (`--ephemeral`). */
  readonly file: string | null;
  /** 32-bit id of the kind of file (e.g. the relay's, the client's); a file with another non-zero id is refused. */
  readonly applicationId: number;
  /** All migrations of the schema, versions 1..N without gaps. */
  readonly migrations: readonly Migration[];
}

/** An open store. */
export interface Store {
  /** The SQLite handle, for prepared statements of the caller's own schema. */
  readonly db: Database;
  /** The file, or null when in memory. */
  readonly file: string | null;
  /** Schema version after the migrations. */
  readonly version: number;
  /** Runs `fn` in one transaction (BEGIN IMMEDIATE … COMMIT; ROLLBACK when it throws); nested calls join the outer one. */
  transaction<T>(fn: () => T): T;
  /** Closes the database and releases the file (idempotent). */
  close(): void;
}

const MOVE_ASIDE = (file: string) => `move it aside (mv '${file}' '${file}.broken') to start with an empty one`;

function corrupt(file: string, why: string): StoreError {
  return new StoreError('CORRUPT', file, `${file} is not a usable udpchat database (${why}); ${MOVE_ASIDE(file)}`);
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** SQLite error texts that mean the bytes on disk are bad (not a permission or lock problem). */
const CORRUPT_TEXTS = ['not a database', 'malformed', 'corrupt', 'disk image'];

function classify(file: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const text = reason(err);
  if (CORRUPT_TEXTS.some((t) => text.includes(t))) return corrupt(file, text);
  if (text.includes('locked')) return new StoreError('LOCKED', file, `${file} is locked by another process (${text})`);
  return new StoreError('IO', file, `cannot use ${file}: ${text}`);
}

function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new RangeError(`migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
}

function scalar(db: Database, pragma: string): number {
  const row = db.get(`PRAGMA ${pragma}`) as Record<string, unknown> | null;
  const value = row ? Object.values(row)[0] : undefined;
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function configure(db: Database, file: string | null, label: string, options: StoreOptions): number {
  if (file !== null) {
    db.get('PRAGMA locking_mode=EXCLUSIVE');
    const mode = db.get('PRAGMA journal_mode=WAL') as { journal_mode?: unknown } | null;
    if (mode?.journal_mode !== 'wal') throw new StoreError('IO', label, `${label}: SQLite refused WAL mode (${String(mode?.journal_mode)})`);
    db.exec('PRAGMA synchronous=FULL');
    const check = db.all('PRAGMA quick_check') as Array<Record<string, unknown>>;
    const first = check[0] ? String(Object.values(check[0])[0]) : 'no answer';
    if (first !== 'ok') throw corrupt(label, `integrity check: ${first}`);
  }
  const appId = scalar(db, 'application_id');
  const version = scalar(db, 'user_version');
  if (appId !== 0 && appId !== options.applicationId) {
    throw new StoreError('CORRUPT', label, `${label} belongs to another program (application id 0x${appId.toString(16)}); ${MOVE_ASIDE(label)}`);
  }
  if (appId === 0 && version !== 0) throw corrupt(label, `schema version ${version} without an application id`);
  const latest = options.migrations.length;
  if (version > latest) {
    throw new StoreError('TOO_NEW', label, `${label} has schema version ${version}, newer than this udpchat knows (${latest}); upgrade udpchat`);
  }
  for (const m of options.migrations.slice(version)) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(m.sql);
      db.exec(`PRAGMA application_id=${options.applicationId | 0}`);
      db.exec(`PRAGMA user_version=${m.version}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return latest;
}

/**
 * Opens (creating the folder, mode 0700, and the file when missing) and
 * migrates a store.
 * @throws StoreError `LOCKED` (another live process owns the file), `CORRUPT`
 *   (not a database, failed integrity check, another program's file),
 *   `TOO_NEW` (a newer schema), `IO` (cannot create or open).
 * @throws RangeError when `migrations` are not numbered 1..N.
 */
export function openStore(options: StoreOptions): Store {
  checkMigrations(options.migrations);
  const { file } = options;
  const label = file ?? ':memory:';
  let lock: OwnerLock | null = null;
  if (file !== null) {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StoreError('IO', file, `cannot create the folder of ${file}: ${reason(err)}`);
    }
    lock = acquireOwnerLock(file);
  }
  let db: Database | null = null;
  try {
    db = new (loadSqlite().Database)(file ?? ':memory:');
    const version = configure(db, file, label, options);
    return makeStore(db, file, version, lock);
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already failing; the first error is the one to report
    }
    lock?.release();
    throw classify(label, err);
  }
}

function makeStore(db: Database, file: string | null, version: number, lock: OwnerLock | null): Store {
  let depth = 0;
  let open = true;
  return {
    db,
    file,
    version,
    transaction<T>(fn: () => T): T {
      if (depth > 0) return fn();
      db.exec('BEGIN IMMEDIATE');
      depth++;
      try {
        const result = fn();
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      } finally {
        depth--;
      }
    },
    close() {
      if (!open) return;
      open = false;
      try {
        db.close();
      } finally {
        lock?.release();
      }
    },
  };
}
