/**
 * The full-screen client in a real terminal (tmux), checked where the unit
 * tests cannot look: the terminal cursor's position and what NO_COLOR leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_BIN, killAll, RELAY_BIN, startProgram, type Program } from './helpers/processes.js';
import { killTmuxServer, Terminal } from './helpers/tmux.js';
import { until } from './helpers/wait.js';

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

  afterAll(() => {
    for (const t of terminals) t.kill();
    killTmuxServer();
    killAll();
  });

  /** Waits until the terminal cursor is at column `x` of the input row. */
  const cursorAt = (t: Terminal, x: number, y: number, what: string) =>
    until(() => {
      const c = t.cursor();
      return c.x === x && c.y === y;
    }, `the cursor at ${x},${y} ${what} (it is at ${JSON.stringify(t.cursor())})`, 5_000);

  it('keeps the terminal cursor at the caret after every key, with wide characters (issue 10 #5)', async () => {
    const t = open('cursor');
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
  }, 30_000);
});
