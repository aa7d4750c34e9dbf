/**
 * The full-screen client in a real terminal (tmux), checked where the unit
 * tests cannot look: the terminal cursor's position and what NO_COLOR leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_BIN, killAll, RELAY_BIN, startProgram, type Program } from './helpers/processes.js';
import { killTmuxServer, POLL_MS, Terminal } from './helpers/tmux.js';
import { until } from './helpers/wait.js';
import { ChatSession } from '../src/net/session.js';

describe('the client in tmux', () => {
  let relay: Program;
  let port: number;
  const terminals: Terminal[] = [];
  const open = (name: string, columns = 100, rows = 30, env: Record<string, string> = {}) => {
    const argv = [process.execPath, CLIENT_BIN, '--server', `127.0.0.1:${port}`, '--name', name, '--no-host'];
    const t = Terminal.start(`ui-${name}`, argv, columns, rows, env);
    terminals.push(t);
    return t;
  };

  beforeAll(async () => {
    relay = startProgram(RELAY_BIN, ['--port', '0']);
    const started = await relay.out.waitFor(/relay started/);
    port = (JSON.parse(started) as { port: number }).port;
  });

  const sessions: ChatSession[] = [];
  /** A registered contact that is not a terminal. */
  const contact = async (name: string) => {
    const s = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: false });
    sessions.push(s);
    s.start();
    await until(() => s.registration === 'registered', `${name} to register`);
    return s;
  };

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    for (const t of terminals) t.kill();
    killTmuxServer();
    killAll();
  });

  /** Waits until the terminal cursor is at column `x` of the input row. */
  const cursorAt = (t: Terminal, x: number, y: number, what: string) =>
    until(() => {
      const c = t.cursor();
      return c.x === x && c.y === y;
    }, `the cursor at ${x},${y} ${what} (it is at ${JSON.stringify(t.cursor())})`, 5_000, POLL_MS);

  // The cursor and paste tests share one terminal (each start of the full-screen client is ~1 s of CPU):
  // each leaves its input empty; whichever runs first opens it, so either also runs alone.
  let sharedTerminal: Terminal | null = null;
  const shared = () => (sharedTerminal ??= open('shared'));

  it('keeps the terminal cursor at the caret after every key, with wide characters (issue 10 #5)', async () => {
    const t = shared();
    await t.waitFor(/● answering/);
    // 30 rows: the UI is 29 tall, the panes 26, so the input line is row 26; the prompt `to all › ` is 9 columns.
    await cursorAt(t, 9, 26, 'on the empty input');
    t.type('a', false);
    await t.waitFor(/to all › a/);
    await cursorAt(t, 10, 26, 'after a');
    t.type('你好', false);
    await t.waitFor(/to all › a你好/);
    await cursorAt(t, 14, 26, 'after 你好 (two columns each)');
    t.keys('Left');
    await cursorAt(t, 12, 26, 'after ← (before 好)');
    t.keys('Home');
    await cursorAt(t, 9, 26, 'after Home');
    t.keys('Enter'); // sent to all: the input is empty again
    await t.waitFor(/shared\s+a你好/); // the message, in the conversation
    await cursorAt(t, 9, 26, 'after Enter (the input sent)');
  }, 30_000);

  it('with NO_COLOR shows focus and selection without colour: Tab, ↓, ↓ each change the screen (issue 10 #9)', async () => {
    await contact('bob');
    await contact('carol');
    const t = open('nocolor', 100, 30, { NO_COLOR: '1' });
    await t.waitFor((s) => s.includes('● bob') && s.includes('● carol') && s.includes('● answering'));
    const screens = [t.screen(true)];
    // Each key's frame, waited for by what it must show (another change, e.g. a late notice, is not it).
    const steps: Array<[string, RegExp]> = [['Tab', /┏ contacts ━/], ['Down', /▸ ● bob/], ['Down', /▸ ● carol/]];
    for (const [key, shows] of steps) {
      t.keys(key);
      screens.push(await t.waitFor((s) => shows.test(s.replace(/\x1b\[[0-9;]*m/g, '')), 5_000, true));
    }
    const plainScreens = screens.map((s) => s.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(new Set(plainScreens).size).toBe(4); // even without any escape sequence, each step is visible
    expect(plainScreens[1]).toMatch(/┏ contacts ━/); // focus: heavy borders
    expect(plainScreens[2]).toMatch(/▸ ● bob/); // the highlighted row
    expect(plainScreens[3]).toMatch(/▸ ● carol/);
    expect(plainScreens[3]).toMatch(/› # all/); // the open conversation keeps its marker
    // No colour at all: no SGR foreground or background codes (30–38, 40–48, 90–107; 39/49 = the default colour), bold and inverse allowed.
    const sgr = screens.join('').match(/\x1b\[[0-9;]*m/g) ?? [];
    const params = sgr.flatMap((s) => s.slice(2, -1).split(';')).map(Number);
    expect(params.filter((p) => (p >= 30 && p <= 48 && p !== 39) || (p >= 90 && p <= 107))).toEqual([]);
    expect(screens[2]).toMatch(/\x1b\[[0-9;]*7[;m]/); // inverse on the highlighted row
  }, 30_000);

  it('holds a multi-line paste (bracketed, from tmux paste-buffer -p) until Enter, then sends each line (issue 10 #12)', async () => {
    const erin = await contact('erin');
    const got: string[] = [];
    erin.on('chat', (m) => got.push(m.text));
    const t = shared();
    await t.waitFor((s) => s.includes('● erin') && s.includes('● answering'));
    t.paste('one\ntwo 你好\nthree');
    await t.waitFor(/to all › one⏎two 你好⏎three/);
    expect(t.screen()).toContain('3 lines → 3 messages');
    // A round trip through the relay after the paste: had the lines been sent, erin would have them by now.
    erin.send('all', 'ping from erin');
    await t.waitFor(/ping from erin/);
    expect(got).toEqual([]);
    t.keys('Enter');
    await until(() => got.length === 3, 'the three lines at erin');
    expect(got).toEqual(['one', 'two 你好', 'three']);
  }, 30_000);
});
