/**
 * A multi-line bracketed paste (issue 10 #12) waits in the editor as one
 * input, shown with ⏎ and "N lines → N messages"; Enter sends each line as
 * its own message, in order, all as text (a pasted `/who` is sent, not run).
 * Line breaks outside brackets are typed Enter keys, as before.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '@udpchat/server';
import type { ChatSession } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import { App } from '../src/ui/App.js';
import { inbox, storeFixture } from './helpers/chat.js';
import { until } from './helpers/wait.js';
import { plain } from './helpers/frames.js';


describe('multi-line paste (real relay over UDP)', () => {
  let relay: Relay;
  let alice: ChatSession;
  let bob: ChatSession;
  let store: ChatStore;
  const fixture = storeFixture({ storeFirst: true });
  beforeEach(() => ({ relay, alice, bob, store } = fixture));
  afterEach(() => cleanup());

  it('holds the lines until Enter, then sends one message per line', async () => {
    const ui = render(<App store={store} columns={100} rows={24} onQuit={() => {}} />);
    const got = inbox(bob);
    await until(() => plain(ui.lastFrame()).includes('● bob'), 'bob in the list');
    ui.stdin.write('/to bob');
    ui.stdin.write('\r');
    await until(() => /╭ bob ─/.test(plain(ui.lastFrame())), 'the conversation with bob');

    // As a terminal pastes once asked with \x1b[?2004h: bracketed, \r between lines, maybe in several reads.
    ui.stdin.write('\x1b[200~first line\r\rsecond ');
    ui.stdin.write('你好\r/who\x1b[201~');
    await until(() => plain(ui.lastFrame()).includes('first line⏎⏎second 你好⏎/who'), 'the paste in the editor');
    expect(plain(ui.lastFrame())).not.toContain('[201~');
    expect(plain(ui.lastFrame())).toContain('3 lines → 3 messages');
    ui.stdin.write('\r');
    await until(() => plain(ui.lastFrame()).includes('type a message'), 'the editor to empty');
    ui.stdin.write('last');
    ui.stdin.write('\r');
    await until(() => got.length >= 4, 'the messages at bob');
    expect(got.map((m) => m.text)).toEqual(['first line', 'second 你好', '/who', 'last']);
    expect(got.every((m) => m.to === 'bob')).toBe(true);
  });

  it('treats line breaks outside a bracketed paste as Enter keys typed fast (tmux send-keys)', async () => {
    const ui = render(<App store={store} columns={100} rows={24} onQuit={() => {}} />);
    const got = inbox(bob);
    await until(() => plain(ui.lastFrame()).includes('● bob'), 'bob in the list');
    ui.stdin.write('hello all\rsecond\r');
    await until(() => got.length === 2, 'the messages at bob');
    expect(got.map((m) => m.text)).toEqual(['hello all', 'second']);
  });

  it('keeps a paste that ends in a line break apart from what is typed next', async () => {
    const ui = render(<App store={store} columns={100} rows={24} onQuit={() => {}} />);
    const got = inbox(bob);
    await until(() => plain(ui.lastFrame()).includes('● bob'), 'bob in the list');
    ui.stdin.write('\x1b[200~y1\ry2\r\x1b[201~');
    await until(() => plain(ui.lastFrame()).includes('y1⏎y2⏎'), 'the paste in the editor');
    ui.stdin.write('z1');
    ui.stdin.write('\r');
    await until(() => got.length === 3, 'the messages at bob');
    expect(got.map((m) => m.text)).toEqual(['y1', 'y2', 'z1']);
  });
});
