/**
 * End to end, as a user: a headless relay process and three full-screen
 * clients in real terminals (tmux), typing and reading the screens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_BIN, killAll, RELAY_BIN, startProgram, type Program } from './helpers/processes.js';
import { killTmuxServer, POLL_MS, Terminal } from './helpers/tmux.js';
import { exitCode, until } from './helpers/wait.js';

describe('three terminals and a headless relay', () => {
  let relay: Program;
  let port: number;
  const terminals: Terminal[] = [];
  const open = (name: string) => {
    const t = Terminal.start(name, [process.execPath, CLIENT_BIN, '--server', `127.0.0.1:${port}`, '--name', name, '--no-host'], 100, 30);
    terminals.push(t);
    return t;
  };

  beforeAll(async () => {
    // A short presence timeout (the relay's flags): the killed terminal below is dropped after 3 s, not 30 s.
    relay = startProgram(RELAY_BIN, ['--port', '0', '--heartbeat-interval', '1', '--presence-timeout', '3']);
    const started = await relay.out.waitFor(/relay started/);
    port = (JSON.parse(started) as { port: number }).port;
    expect(port).toBeGreaterThan(0);
  });

  afterAll(() => {
    for (const t of terminals) t.kill();
    killTmuxServer();
    killAll();
  });

  it('alice, bob and carol chat: direct, group, quit and a killed terminal; the relay exits 0 on SIGTERM and tells the clients', async () => {
    const alice = open('alice');
    const bob = open('bob');
    const carol = open('carol');
    for (const t of [alice, bob, carol]) await t.waitFor(new RegExp(`${t.name} @ 127\\.0\\.0\\.1:\\d+ · relay 127\\.0\\.0\\.1:${port} ● answering`));
    await alice.waitFor((s) => s.includes('● bob') && s.includes('● carol'));

    // alice picks bob and writes to him
    alice.type('/to bob');
    await alice.waitFor(/╭ bob ─/);
    alice.type('你好 bob 👋');
    await alice.waitFor(/alice\s+你好 bob 👋/);

    // bob is told, opens the conversation and sees it in alice's colour
    await bob.waitFor(/alice: 你好 bob 👋/);
    await bob.waitFor(/● alice\s+1/);
    bob.type('/to alice');
    const coloured = await bob.waitFor(/\x1b\[[0-9;]*m你好 bob 👋/, 15_000, true);
    expect(coloured).toMatch(/\x1b\[(3[1-6]|9[1-6])m你好 bob 👋/);
    expect(carol.screen()).not.toContain('你好 bob');

    // a message to all reaches bob and carol
    alice.type('/to all');
    alice.type('hello everyone');
    await carol.waitFor(/alice\s+hello everyone/);
    await bob.waitFor(/# all\s+1/);

    // bob quits: alice's list drops him at once
    bob.type('/quit');
    await until(() => bob.dead(), 'bob to exit', 10_000, POLL_MS);
    await alice.waitFor((s) => !s.includes('● bob') && s.includes('bob left'), 5_000);

    // carol's terminal is killed (no bye): she drops from the list after the relay's presence timeout (3 s here)
    process.kill(carol.pid(), 'SIGKILL');
    const screen = await alice.waitFor((s) => !s.includes('● carol'), 15_000);
    expect(screen).toContain('carol left (no heartbeat for 3 s)');

    // the relay exits 0 on SIGTERM and tells the clients (alice, still open: one terminal less to start)
    relay.child.kill('SIGTERM');
    expect(await exitCode(relay.child, 5_000)).toBe(0);
    await alice.waitFor(/relay going away/);
  }, 80_000);
});
