/**
 * One owner per database file. node-sqlite3-wasm's VFS locks a file by
 * creating the directory `FILE.lock` and never records who holds it, so a
 * process killed with `kill -9` leaves a lock behind that no one would ever
 * clear ("database is locked" forever). Beside it we keep `FILE.owner`, created
 * exclusively (O_EXCL) and holding the owner's pid: when the pid is no longer
 * alive, both are stale and are removed before opening.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { StoreError } from './errors.js';

/** A held lock; `release` removes it (idempotent). */
export interface OwnerLock {
  release(): void;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes ownership of `file` for this process.
 * @throws StoreError `LOCKED` when a live process owns it, `IO` when the owner file cannot be written.
 */
export function acquireOwnerLock(file: string): OwnerLock {
  const ownerPath = `${file}.owner`;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(ownerPath, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError('IO', file, `cannot write ${ownerPath}: ${(err as Error).message}`);
      }
      const pid = readOwner(ownerPath);
      if (pid !== null && alive(pid)) {
        throw new StoreError('LOCKED', file, `${file} is in use by another udpchat process (pid ${pid})`);
      }
      // Stale: its owner died without releasing (kill -9, power loss).
      rmSync(ownerPath, { force: true });
      rmSync(`${file}.lock`, { recursive: true, force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    rmSync(`${file}.lock`, { recursive: true, force: true }); // ours now; any SQLite lock left is stale
    let held = true;
    return {
      release() {
        if (!held) return;
        held = false;
        if (readOwner(ownerPath) === process.pid) rmSync(ownerPath, { force: true });
      },
    };
  }
  throw new StoreError('LOCKED', file, `${file} is being opened by another udpchat process; try again`);
}
