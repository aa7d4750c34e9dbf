import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, resolveDataDir, StoreError, type Migration, type Store } from '../src/index.js';

const APP = 0x75647474; // 'udtt'
const V1: Migration = { version: 1, sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);' };
const V2: Migration = { version: 2, sql: 'ALTER TABLE notes ADD COLUMN at INTEGER NOT NULL DEFAULT 0;' };

const dirs: string[] = [];
const opened: Store[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'udpchat-store-'));
  dirs.push(d);
  return d;
}
function open(file: string | null, migrations: Migration[] = [V1]): Store {
  const s = openStore({ file, applicationId: APP, migrations });
  opened.push(s);
  return s;
}
function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('expected a StoreError');
}

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openStore', () => {
  it('creates the folder (0700) and file, migrates, and keeps rows across a reopen', () => {
    const file = join(tempDir(), 'deep', 'er', 'a.db');
    const a = open(file);
    expect(a.version).toBe(1);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    a.db.run('INSERT INTO notes (text) VALUES (?)', ['hello']);
    a.close();
    const b = open(file, [V1, V2]);
    expect(b.version).toBe(2);
    expect(b.db.all('SELECT text, at FROM notes')).toEqual([{ text: 'hello', at: 0 }]);
    expect(b.db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
  });

  it('rolls a failed transaction back and commits a good one', () => {
    const s = open(join(tempDir(), 'a.db'));
    expect(() =>
      s.transaction(() => {
        s.db.run('INSERT INTO notes (text) VALUES (?)', ['lost']);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    s.transaction(() => s.transaction(() => s.db.run('INSERT INTO notes (text) VALUES (?)', ['kept'])));
    expect(s.db.all('SELECT text FROM notes')).toEqual([{ text: 'kept' }]);
  });

  it('refuses a file that is not a database, naming it and how to move it aside, and leaves it untouched', () => {
    const file = join(tempDir(), 'a.db');
    writeFileSync(file, 'this is not sqlite, just some text that is long enough to be a header '.repeat(20));
    const err = storeError(() => open(file));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toContain(file);
    expect(err.message).toContain('.broken');
    expect(err.message).not.toContain('\n');
    expect(statSync(file).size).toBeGreaterThan(1000);
    expect(existsSync(`${file}.owner`)).toBe(false); // released after the failure
  });

  it('refuses a torn file (a valid database cut in half)', async () => {
    const file = join(tempDir(), 'a.db');
    const s = open(file);
    s.transaction(() => {
      for (let i = 0; i < 2000; i++) s.db.run('INSERT INTO notes (text) VALUES (?)', [`note ${i} `.repeat(10)]);
    });
    s.close();
    opened.splice(0);
    const { truncateSync } = await import('node:fs');
    // Fold the WAL into the main file first, then tear it.
    const t = open(file);
    t.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    t.close();
    opened.splice(0);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expect(storeError(() => open(file)).code).toBe('CORRUPT');
  });

  it("refuses another program's file and a newer schema", () => {
    const file = join(tempDir(), 'a.db');
    openStore({ file, applicationId: 0x11111111, migrations: [V1] }).close();
    expect(storeError(() => open(file)).code).toBe('CORRUPT');
    const newer = join(tempDir(), 'b.db');
    open(newer, [V1, V2]).close();
    opened.splice(0);
    const err = storeError(() => open(newer, [V1]));
    expect(err.code).toBe('TOO_NEW');
    expect(err.message).toContain('upgrade udpchat');
  });

  it('refuses a second owner while the first lives, and takes over from a dead one (kill -9)', async () => {
    const file = join(tempDir(), 'a.db');
    const a = open(file);
    expect(storeError(() => open(file)).code).toBe('LOCKED');
    a.close();
    // A child process (the built package: `pnpm test` builds first) opens the file and is killed with SIGKILL while holding it.
    const built = new URL('../dist/index.js', import.meta.url).href;
    const script = `import(${JSON.stringify(built)}).then((m) => { m.openStore({ file: ${JSON.stringify(file)}, applicationId: ${APP}, migrations: ${JSON.stringify([V1])} }); console.log('open'); setInterval(() => {}, 1000); })`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('open')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    expect(ready).toBe(true);
    expect(storeError(() => open(file)).code).toBe('LOCKED');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(`${file}.owner`)).toBe(true); // left behind by the killed owner
    const b = open(file);
    b.db.run('INSERT INTO notes (text) VALUES (?)', ['after the crash']);
    expect(b.db.get('SELECT count(*) AS n FROM notes')).toEqual({ n: 1 });
  });

  it('keeps an in-memory store private and leaves no file', () => {
    const s = open(null);
    s.db.run('INSERT INTO notes (text) VALUES (?)', ['x']);
    expect(s.file).toBeNull();
    expect(s.db.get('SELECT count(*) AS n FROM notes')).toEqual({ n: 1 });
  });
});

describe('resolveDataDir', () => {
  it('follows XDG, ignores relative variables, and takes an override', () => {
    expect(resolveDataDir('data', null, { XDG_DATA_HOME: '/x/data' })).toBe('/x/data/udpchat');
    expect(resolveDataDir('state', null, { XDG_STATE_HOME: '/x/state' })).toBe('/x/state/udpchat');
    expect(resolveDataDir('data', null, { XDG_DATA_HOME: 'relative' })).toMatch(/\.local\/share\/udpchat$/);
    expect(resolveDataDir('state', null, {})).toMatch(/\.local\/state\/udpchat$/);
    expect(resolveDataDir('data', '/tmp/dd', {})).toBe('/tmp/dd');
  });
});
