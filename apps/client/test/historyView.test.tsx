/**
 * The stored history in the full-screen UI: the store's history driver over
 * a real history (in memory) of 1,500 messages, a window of 400 in memory:
 * the recent page at start, PgUp pages older messages in (the window never
 * grows past its bound; the newest are dropped and come back with PgDn),
 * `/search` jumps to matches and says when there are none, Esc goes back to
 * the newest. The 100,000-message figure is in `pnpm bench client`.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryDriver } from '../src/history/driver.js';
import { HistoryDb } from '../src/history/historyDb.js';
import { ChatStore } from '../src/state/store.js';
import type { ConversationEntry } from '../src/state/types.js';
import { App } from '../src/ui/App.js';
import { FakeBackend } from './helpers/fakeBackend.js';
import { until } from './helpers/wait.js';
import { plain } from './helpers/frames.js';

const label = (i: number) => `msg ${String(i).padStart(4, '0')}`;
const TOTAL = 1500;
const WINDOW = 400;

function fill(db: HistoryDb): void {
  db.transaction(() => {
    for (let i = 0; i < TOTAL; i++) {
      const own = i % 3 === 0;
      db.insert(
        {
          id: `h${i}`,
          conv: 'bob',
          sender: own ? 'alice' : 'bob',
          recipient: own ? 'bob' : 'alice',
          own,
          time: 1_700_000_000_000 + i * 1000,
          sentAt: 1_700_000_000_000 + i * 1000,
          text: `${label(i)}${i % 250 === 7 ? ' lunch?' : ''}`,
          delivery: own ? { state: 'delivered', delivered: 1, of: 1 } : null,
        },
        'bob',
      );
    }
  });
}

const ids = (entries: readonly ConversationEntry[]) => entries.map((e) => e.id);
/** The window is one run of consecutive stored messages. */
function contiguous(entries: readonly ConversationEntry[]): boolean {
  const n = entries.filter((e) => e.kind === 'message').map((e) => Number(e.id.slice(1)));
  return n.every((v, i) => i === 0 || v === (n[i - 1] as number) + 1);
}

describe('stored history in the UI', () => {
  let db: HistoryDb;
  let backend: FakeBackend;
  let store: ChatStore;

  beforeEach(() => {
    db = HistoryDb.open(null);
    fill(db);
    backend = new FakeBackend('alice');
    backend.register();
    store = new ChatStore(backend, { history: new HistoryDriver(db, 100), historyWindow: WINDOW, notifyEveryMs: 5 });
    store.open('bob');
    store.flush();
  });
  afterEach(() => {
    cleanup();
    store.dispose();
    db.close();
  });

  it('starts with the recent page of each stored conversation; the contact list shows it though bob is offline', () => {
    const s = store.getSnapshot();
    expect(s.contacts.map((c) => [c.name, c.online])).toEqual([
      ['all', true],
      ['bob', false],
    ]);
    expect(ids(s.open.entries)).toEqual(Array.from({ length: 100 }, (_, i) => `h${TOTAL - 100 + i}`));
    expect(s.open.olderInDb).toBe(true);
  });

  it('pages older messages in to the very first, within a bounded window, and back down to the newest', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40 && store.getSnapshot().open.olderInDb !== false; i++) {
      store.pageOlder();
      store.serveHistory();
      store.flush();
      const open = store.getSnapshot().open;
      expect(open.entries.length).toBeLessThanOrEqual(WINDOW);
      expect(contiguous(open.entries)).toBe(true);
      for (const id of ids(open.entries)) seen.add(id);
    }
    const top = store.getSnapshot().open;
    expect(top.entries[0]?.id).toBe('h0');
    expect(top.olderInDb).toBe(false);
    expect(top.newerInDb).toBe(true); // the newest were dropped from memory, not from the file
    expect(seen.size).toBe(TOTAL);
    for (let i = 0; i < 40 && store.getSnapshot().open.newerInDb; i++) {
      store.pageNewer();
      store.serveHistory();
      store.flush();
      expect(store.getSnapshot().open.entries.length).toBeLessThanOrEqual(WINDOW);
    }
    expect(store.getSnapshot().open.entries.at(-1)?.id).toBe(`h${TOTAL - 1}`);
  });

  it('/search jumps to the newest match, /search again to the next, says when there are no more or none; Esc leaves', () => {
    expect(store.submit('/search LUNCH')).toBe('done');
    store.serveHistory();
    store.serveHistory(); // the jump asked by the answer
    store.flush();
    let s = store.getSnapshot();
    expect(s.notice?.text).toMatch(/^“LUNCH”: match 1 of 6 · \d\d:\d\d:\d\d alice: msg 1257 lunch\? · \/search: next · Esc: back$/);
    expect(s.open.entries.at(-1)?.id).toBe('h1257');
    expect(s.open.newerInDb).toBe(true);
    store.submit('/search');
    store.serveHistory();
    store.flush();
    s = store.getSnapshot();
    expect(s.notice?.text).toMatch(/match 2 of 6 .* msg 1007 lunch\?/);
    expect(s.open.entries.at(-1)?.id).toBe('h1007');
    for (let i = 0; i < 4; i++) store.submit('/search');
    store.serveHistory();
    store.flush();
    expect(store.getSnapshot().open.entries.at(-1)?.id).toBe('h7');
    store.submit('/search');
    store.flush();
    expect(store.getSnapshot().notice?.text).toBe('no older match for “LUNCH” (Esc goes back to the newest)');
    store.submit('/search dinner');
    store.serveHistory();
    store.flush();
    expect(store.getSnapshot().notice).toEqual({ text: 'no messages with “dinner” in bob', level: 'warning' });
    store.toLatest();
    store.serveHistory();
    store.flush();
    s = store.getSnapshot();
    expect(s.open.entries.at(-1)?.id).toBe(`h${TOTAL - 1}`);
    expect(s.open.newerInDb).toBe(false);
  });

  it('PgUp in the App reads older pages from the history as the view nears the top, the view staying still', async () => {
    const ui = render(<App store={store} columns={100} rows={24} onQuit={() => {}} />);
    await until(() => plain(ui.lastFrame()).includes(label(TOTAL - 1)), 'the newest message');
    let reads = 0;
    for (let i = 0; i < 60 && !plain(ui.lastFrame()).includes(label(TOTAL - 260)); i++) {
      const before = store.getSnapshot().open.entries.length;
      ui.stdin.write('\x1b[5~'); // PgUp
      await until(() => (ui.lastFrame() ?? '') !== '', 'a frame');
      await new Promise((r) => setImmediate(r));
      store.flush();
      if (store.getSnapshot().open.entries.length > before) reads++;
    }
    await until(() => plain(ui.lastFrame()).includes(label(TOTAL - 260)), 'a message 260 back, two pages into the file');
    expect(reads).toBeGreaterThanOrEqual(2);
    const frame = plain(ui.lastFrame());
    // Consecutive messages on screen: a page read under the view did not make it jump.
    const shown = [...frame.matchAll(/msg (\d{4})/g)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.every((v, i) => i === 0 || v === (shown[i - 1] as number) + 1)).toBe(true);
  });

  it('/retry sends a failed message again with its id (a receiver that had it acknowledges it without showing it twice)', () => {
    const sent = backend.send('bob', 'x'); // an id in use, to tell the retried one apart
    backend.sent.length = 0;
    store.submit('did it arrive?');
    const first = backend.sent[0];
    if (!first) throw new Error('nothing sent');
    backend.deliver(first, { state: 'failed', reason: 'no answer for 30 s' });
    store.submit('/retry');
    expect(backend.sent.map((m) => [m.id, m.text])).toEqual([
      [first.id, 'did it arrive?'],
      [first.id, 'did it arrive?'],
    ]);
    expect(first.id).not.toBe(sent.id);
  });

  it('a message arriving while the window shows older messages is stored, not added there; it is at the bottom once back at the newest', () => {
    for (let i = 0; i < 8; i++) {
      store.pageOlder();
      store.serveHistory();
    }
    store.flush();
    expect(store.getSnapshot().open.newerInDb).toBe(true);
    const before = ids(store.getSnapshot().open.entries);
    db.insert({ id: 'live', conv: 'bob', sender: 'bob', recipient: 'alice', own: false, time: Date.now(), sentAt: Date.now(), text: 'a live one', delivery: null }, 'bob');
    backend.emit('chat', { kind: 'chat', id: 'live', from: 'bob', to: 'alice', time: Date.now(), text: 'a live one', seq: 1, base: 1 });
    store.flush();
    expect(ids(store.getSnapshot().open.entries)).toEqual(before);
    store.toLatest();
    store.serveHistory();
    store.flush();
    expect(store.getSnapshot().open.entries.at(-1)).toMatchObject({ id: 'live', text: 'a live one' });
  });
});
