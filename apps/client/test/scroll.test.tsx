/**
 * Scrolling the conversation (issue 10 #7): PgUp stops at the top, PgDn
 * answers at once after it, and while scrolled back new messages leave the
 * view still and are announced as `N new ↓` until Esc goes to the bottom.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '@udpchat/server';
import type { ChatSession } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import type { ConversationEntry, MessageEntry } from '../src/state/types.js';
import { App } from '../src/ui/App.js';
import { addedSince, clampScrollBack } from '../src/ui/conversationRows.js';
import { storeFixture } from './helpers/chat.js';
import { until } from './helpers/wait.js';
import { plain } from './helpers/frames.js';

const tick = () => new Promise((r) => setImmediate(r));
/** The message rows on screen (`m01` … `m40`, `late …`), in order. */
const messageRows = (frame: string) => frame.split('\n').filter((l) => /\bm\d\d\b|late one/.test(l));
const scrolled = (frame: string) => Number(/↑ (\d+) rows/.exec(frame)?.[1] ?? 0);

const message = (id: string, text: string): MessageEntry => ({ kind: 'message', id, from: 'bob', text, time: 0, own: false, delivery: null });

describe('conversation scrolling, pure parts', () => {
  const entries: ConversationEntry[] = Array.from({ length: 30 }, (_, i) => message(`e${i}`, `line ${i}`));

  it('clamps the offset to the rows above the last screenful', () => {
    expect(clampScrollBack(entries, 60, 10, 1000)).toBe(20);
    expect(clampScrollBack(entries, 60, 10, 7)).toBe(7);
    expect(clampScrollBack(entries.slice(0, 5), 60, 10, 3)).toBe(0);
  });

  it('counts the rows and messages after an anchor entry', () => {
    const long = message('long', 'word '.repeat(40)); // wraps to several rows at 60 columns
    const grown = [...entries, message('x', 'one'), long];
    const added = addedSince(grown, entries[29] as ConversationEntry, 60);
    expect(added?.messages).toBe(2);
    expect(added?.rows).toBeGreaterThan(2);
    expect(addedSince(grown, message('gone', 'not there'), 60)).toBeNull();
  });

  it('finds the anchor by id when the store replaced its object (a delivery mark changed): the view still stays put', () => {
    const anchor = entries[29] as MessageEntry;
    const replaced: MessageEntry = { ...anchor, delivery: { state: 'delivered', delivered: 1, of: 1 } };
    const grown = [...entries.slice(0, 29), replaced, message('x', 'one')];
    expect(addedSince(grown, anchor, 60)).toEqual({ rows: 1, messages: 1 });
  });
});

describe('conversation scrolling in the App (real relay over UDP)', () => {
  let relay: Relay;
  let alice: ChatSession;
  let bob: ChatSession;
  let store: ChatStore;
  const fixture = storeFixture({ storeFirst: false });
  beforeEach(() => ({ relay, alice, bob, store } = fixture));
  afterEach(() => cleanup());

  it('stops at the top, keeps the view still when messages arrive, and shows "N new ↓"', async () => {
    const ui = render(<App store={store} columns={100} rows={24} onQuit={() => {}} />);
    for (let i = 1; i <= 40; i++) bob.send('all', `m${String(i).padStart(2, '0')}`);
    await until(() => plain(ui.lastFrame()).includes('m40'), 'the 40th message');

    for (let i = 0; i < 12; i++) {
      ui.stdin.write('\x1b[5~'); // PgUp
      await tick();
    }
    await until(() => plain(ui.lastFrame()).includes('m01'), 'the top of the history');
    const top = plain(ui.lastFrame());
    const atTop = scrolled(top);
    expect(atTop).toBeGreaterThan(0);
    expect(atTop).toBeLessThan(40); // the rows above the last screenful, not 12 pages

    ui.stdin.write('\x1b[6~'); // one PgDn moves at once
    await until(() => scrolled(plain(ui.lastFrame())) < atTop, 'one PgDn to scroll down');
    const before = plain(ui.lastFrame());
    const rowsBefore = messageRows(before);
    expect(rowsBefore.length).toBeGreaterThan(5);
    expect(before).not.toContain('new ↓');

    bob.send('all', 'late one');
    bob.send('all', 'late two');
    await until(() => plain(ui.lastFrame()).includes('2 new ↓'), 'the new-messages hint');
    const after = plain(ui.lastFrame());
    expect(messageRows(after)).toEqual(rowsBefore); // the view did not move
    expect(scrolled(after)).toBe(scrolled(before) + 2);

    ui.stdin.write('\x1b'); // Esc: back to the bottom
    await until(() => plain(ui.lastFrame()).includes('late two'), 'the bottom');
    expect(plain(ui.lastFrame())).not.toContain('new ↓');
    expect(plain(ui.lastFrame())).not.toMatch(/↑ \d+ rows/);

    ui.stdin.write('\x1b[5~'); // PgUp, a message, then PgDn down to the bottom clears the hint too
    await until(() => scrolled(plain(ui.lastFrame())) > 0, 'scrolled back again');
    bob.send('all', 'late three');
    await until(() => plain(ui.lastFrame()).includes('1 new ↓'), 'the hint for one message');
    ui.stdin.write('\x1b[6~'); // a page down: one row short of the bottom (the message added one)
    await until(() => scrolled(plain(ui.lastFrame())) === 1, 'one row above the bottom');
    expect(plain(ui.lastFrame())).toContain('1 new ↓');
    ui.stdin.write('\x1b[6~');
    await until(() => plain(ui.lastFrame()).includes('late three'), 'the bottom after PgDn');
    expect(plain(ui.lastFrame())).not.toContain('new ↓');
  });
});
