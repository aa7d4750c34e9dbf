/**
 * The history file (history/historyDb.ts, open.ts) on the real store in a
 * temp dir: what is stored survives a reopen, ids are stored once, delivery
 * states decide what is retried, pages and searches read from the file,
 * a damaged file and a second owner are refused with one clear line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryDb, type StoredMessage } from '../src/history/historyDb.js';
import { HistoryOpenError, openHistory } from '../src/history/open.js';
import { historyFile } from '../src/history/schema.js';
import { HistoryWriter } from '../src/history/writer.js';
import type { ChatMessage } from '@udpchat/protocol';

const dirs: string[] = [];
const open: HistoryDb[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'udpchat-history-'));
  dirs.push(d);
  return d;
}
function history(dataDir: string | null, name = 'alice'): HistoryDb {
  const db = openHistory(dataDir, name);
  open.push(db);
  return db;
}
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

let n = 0;
function msg(over: Partial<Omit<StoredMessage, 'seq'>> = {}): Omit<StoredMessage, 'seq'> {
  n++;
  return { id: `id-${n}`, conv: 'bob', sender: 'bob', recipient: 'alice', own: false, time: 1_700_000_000_000 + n, sentAt: 1_700_000_000_000 + n, text: `message ${n}`, delivery: null, ...over };
}

function openError(fn: () => unknown): HistoryOpenError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HistoryOpenError) return err;
    throw err;
  }
  throw new Error('expected a HistoryOpenError');
}

describe('history file', () => {
  it('keeps messages and delivery states across a reopen, in <dataDir>/history/<name key>.db', () => {
    const dir = tempDir();
    const a = history(dir, 'Alice');
    expect(a.file).toBe(join(dir, 'history', 'alice.db'));
    expect(a.insert(msg({ id: 'in-1', text: 'hi alice' }), 'Bob')).toBe(true);
    expect(a.insert(msg({ id: 'out-1', own: true, sender: 'Alice', recipient: 'Bob', text: 'hi bob', delivery: { state: 'queued' } }), 'Bob')).toBe(true);
    a.setStates(new Map([['out-1', { state: 'delivered', delivered: 1, of: 1 }]]));
    a.close();
    const b = history(dir, 'alice');
    expect(b.conversations()).toEqual([{ key: 'bob', title: 'Bob' }]);
    const page = b.upTo('bob', null, 10);
    expect(page.more).toBe(false);
    expect(page.messages.map((m) => [m.id, m.text, m.own, m.delivery])).toEqual([
      ['in-1', 'hi alice', false, null],
      ['out-1', 'hi bob', true, { state: 'delivered', delivered: 1, of: 1 }],
    ]);
  });

  it('stores an id once: a second insert of the same id is a duplicate and changes nothing', () => {
    const db = history(null);
    expect(db.insert(msg({ id: 'same', text: 'first' }), 'bob')).toBe(true);
    expect(db.insert(msg({ id: 'same', text: 'second' }), 'bob')).toBe(false);
    expect(db.count('bob')).toBe(1);
    expect(db.get('same')?.text).toBe('first');
  });

  it('retries own messages that are queued, sending or waiting at the relay; not delivered, failed or final ones', () => {
    const db = history(null);
    const own = (id: string) => msg({ id, own: true, sender: 'alice', recipient: 'bob', delivery: { state: 'queued' } });
    for (const id of ['q', 's', 'r', 'rf', 'd', 'f']) db.insert(own(id), 'bob');
    db.setStates(
      new Map([
        ['s', { state: 'sending' }],
        ['r', { state: 'at-relay', recipients: 1, acked: 0, final: false }],
        ['rf', { state: 'at-relay', recipients: 0, acked: 0, final: true }],
        ['d', { state: 'delivered', delivered: 1, of: 1 }],
        ['f', { state: 'failed', reason: 'bob is not online' }],
      ]),
    );
    expect(db.toRetry().map((m) => m.id)).toEqual(['q', 's', 'r']);
  });

  it('pages by seq through 2,500 messages: each page the next older or newer one, `more` until the end', () => {
    const db = history(null);
    db.transaction(() => {
      for (let i = 0; i < 2500; i++) db.insert(msg({ id: `p${i}`, text: `page text ${i}` }), 'bob');
      db.insert(msg({ id: 'other', conv: 'all', recipient: 'all' }), 'all');
    });
    let page = db.upTo('bob', null, 100);
    expect(page.messages.map((m) => m.id).slice(0, 2)).toEqual(['p2400', 'p2401']);
    expect(page.messages.at(-1)?.id).toBe('p2499');
    const seen = new Set(page.messages.map((m) => m.id));
    while (page.more) {
      const first = page.messages[0] as StoredMessage;
      page = db.upTo('bob', first.seq - 1, 100);
      expect(page.messages.at(-1)?.seq).toBeLessThan(first.seq);
      for (const m of page.messages) seen.add(m.id);
    }
    expect(seen.size).toBe(2500);
    expect(page.messages[0]?.id).toBe('p0');
    const newer = db.after('bob', db.seqOf('p2398') ?? 0, 100);
    expect(newer.messages[0]?.id).toBe('p2399');
    expect(newer.messages).toHaveLength(100);
    expect(newer.more).toBe(true);
    const last = db.after('bob', db.seqOf('p2449') ?? 0, 100);
    expect(last.messages.map((m) => m.id)).toEqual(Array.from({ length: 50 }, (_, i) => `p${2450 + i}`));
    expect(last.more).toBe(false);
  });

  it('searches one conversation, newest first, LIKE wildcards taken literally', () => {
    const db = history(null);
    db.insert(msg({ id: 's1', text: 'Lunch at noon?' }), 'bob');
    db.insert(msg({ id: 's2', text: 'no lunch today' }), 'bob');
    db.insert(msg({ id: 's3', conv: 'carol', text: 'lunch with carol' }), 'carol');
    db.insert(msg({ id: 's4', text: '100% sure' }), 'bob');
    expect(db.search('bob', 'LUNCH', 10).map((m) => m.id)).toEqual(['s2', 's1']);
    expect(db.search('bob', '%', 10).map((m) => m.id)).toEqual(['s4']);
    expect(db.search('bob', 'dinner', 10)).toEqual([]);
  });

  it("moves a renamed contact's conversation, merged into one under the new name", () => {
    const db = history(null);
    db.insert(msg({ id: 'r1', conv: 'bob' }), 'bob');
    db.insert(msg({ id: 'r2', conv: 'robert' }), 'robert');
    db.renameConversation('bob', 'robert', 'Robert');
    expect(db.conversations()).toEqual([{ key: 'robert', title: 'Robert' }]);
    expect(db.upTo('robert', null, 10).messages.map((m) => m.id)).toEqual(['r1', 'r2']);
  });

  it('refuses a damaged file in one line that names it and how to move it aside', () => {
    const dir = tempDir();
    const file = historyFile(dir, 'alice');
    history(dir).close();
    open.length = 0;
    writeFileSync(file, 'garbage, not a database '.repeat(100));
    const err = openError(() => history(dir));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toContain(file);
    expect(err.message).toContain(`mv '${file}'`);
    expect(err.message).not.toContain('\n');
  });

  it('refuses a second owner of the same name and data dir (LOCKED), not another name', () => {
    const dir = tempDir();
    history(dir, 'alice');
    const err = openError(() => history(dir, 'alice'));
    expect(err.code).toBe('LOCKED');
    expect(err.message).toMatch(/^alice is already running with this data directory/);
    expect(err.message).not.toContain('\n');
    expect(history(dir, 'bob').file).toBe(historyFile(dir, 'bob'));
  });
});

describe('history writer (the session journal)', () => {
  const chat = (id: string, from: string, to: string, text: string): ChatMessage => ({ kind: 'chat', id, from, to, time: 1_700_000_000_000, text, epoch: 7, seq: 1, base: 1 });

  it('shows an incoming id once, across a restart of the receiver: the same id again is a duplicate (acked, not shown)', () => {
    const dir = tempDir();
    const errors: string[] = [];
    const first = history(dir, 'bob');
    const writer = new HistoryWriter(first, (e) => errors.push(e));
    expect(writer.received(chat('m1', 'alice', 'bob', 'hello'))).toBe(true);
    expect(writer.received(chat('m1', 'alice', 'bob', 'hello'))).toBe(false); // before its commit too
    writer.commit();
    first.close();
    open.length = 0;
    const again = new HistoryWriter(history(dir, 'bob'), (e) => errors.push(e));
    expect(again.received(chat('m1', 'alice', 'bob', 'hello'))).toBe(false);
    expect(again.received(chat('m2', 'alice', 'all', 'to everyone'))).toBe(true);
    again.commit();
    expect(errors).toEqual([]);
  });

  it('commits own messages as queued (to be retried) in the conversation of their recipient', () => {
    const db = history(null);
    const writer = new HistoryWriter(db, () => undefined);
    writer.sending(chat('o1', 'alice', 'Bob', 'typed'));
    expect(db.has('o1')).toBe(false); // until the session commits, just before the datagram leaves
    writer.commit();
    expect(db.toRetry()).toMatchObject([{ id: 'o1', conv: 'bob', own: true, recipient: 'Bob', delivery: { state: 'queued' } }]);
    expect(db.conversations()).toEqual([{ key: 'bob', title: 'Bob' }]);
  });
});
