/**
 * The client's history with the real program's code (line mode, one data
 * dir shared by alice and bob as two clients of one user on one machine).
 * In this process (helpers/inProcess.ts): history shown after a restart
 * (`--history N`, plain and JSON), `/search`, a damaged file refused. As
 * child processes, what needs one: write before send (kill -9 right after
 * the first datagram left: retried after the restart with the same id, shown
 * once by the receiver), a second client of the same name refused (LOCKED:
 * the file held by this process, refused in the child), --ephemeral writing nothing.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '@udpchat/server';
import { historyFile } from '../src/history/schema.js';
import { runInProcess, stopInProcess, type InProcessClient } from './helpers/inProcess.js';
import { CLIENT_BIN, killAll, startProgram, type Program } from './helpers/processes.js';
import { exitCode, until } from './helpers/wait.js';

describe('history of the real client (line mode)', () => {
  let relay: Relay;
  let server: string;
  let dataDir: string;

  beforeEach(async () => {
    // A registration left by a client killed with kill -9 expires in 4 s (not 15): its restart gets the name back sooner.
    relay = await startRelay({ host: '127.0.0.1', port: 0, heartbeatIntervalMs: 1000, presenceTimeoutMs: 4000 });
    server = `127.0.0.1:${relay.address.port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'udpchat-history-e2e-'));
  });
  afterEach(async () => {
    await stopInProcess();
    killAll();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const args = (name: string, ...extra: string[]) => ['--server', server, '--name', name, '--no-host', '--data-dir', dataDir, ...extra];
  const client = (name: string, ...extra: string[]) => startProgram(CLIENT_BIN, args(name, ...extra));
  const inProcess = (name: string, ...extra: string[]) => runInProcess(args(name, ...extra));
  const messages = (p: Program | InProcessClient) => p.out.json().filter((e) => e.event === 'message');

  it('shows the stored history after a restart: --history N (JSON marked "history": true, plain), and /search', async () => {
    const bob = inProcess('bob', '--json');
    await bob.out.waitFor(/"event":"contacts"/);
    const alice = inProcess('alice', '--json');
    alice.stdin.end('@bob one\n@bob two\nhi all\n');
    expect(await alice.exit).toBe(0);
    await bob.out.waitFor(/"text":"hi all"/);
    bob.stdin.end();
    expect(await bob.exit).toBe(0);

    const again = inProcess('alice', '--json', '--history', '2');
    again.stdin.end('');
    expect(await again.exit).toBe(0);
    const shown = again.out.json();
    // The history comes first, before the session's own events.
    expect(shown.slice(0, 2)).toMatchObject([
      { event: 'message', history: true, from: 'alice', to: 'bob', text: 'two', state: 'delivered' },
      { event: 'message', history: true, from: 'alice', to: 'all', text: 'hi all', state: 'delivered' },
    ]);
    expect(shown[2]?.event).not.toBe('message');

    const bobAgain = inProcess('bob', '--plain', '--history', '5');
    bobAgain.stdin.end('/to alice\n/search TWO\n/search nothing-like-this\n');
    expect(await bobAgain.exit).toBe(0);
    const lines = bobAgain.out.lines;
    expect(lines.slice(0, 3).map((l) => l.replace(/^\d\d:\d\d:\d\d /, ''))).toEqual(['alice -> bob: one', 'alice -> bob: two', 'alice -> all: hi all']);
    const found = lines.findIndex((l) => l.endsWith('* 1 match for “TWO” in alice'));
    expect(found).toBeGreaterThan(3);
    expect(lines[found - 1]).toMatch(/alice -> bob: two$/);
    expect(lines.some((l) => l.endsWith('* 0 matches for “nothing-like-this” in alice'))).toBe(true);
  });

  it('write before send: alice killed with kill -9 right after her datagram left; restarted, she sends it again (same id) and bob shows it once', async () => {
    const bob = client('bob', '--json');
    await bob.out.waitFor(/"event":"contacts"/);
    const alice = client('alice', '--json');
    await alice.out.waitFor(/"event":"contacts"/);
    // bob cannot acknowledge while stopped: the message stays unfinished at alice's.
    bob.child.kill('SIGSTOP');
    alice.child.stdin.write('/datagrams\n@bob survive\n');
    await alice.out.waitFor((l) => l.includes('"direction":"out"') && l.includes('"kind":"chat"'));
    alice.child.kill('SIGKILL');
    await exitCode(alice.child);
    bob.child.kill('SIGCONT');
    // The inspector's line is written as the datagram is handed to the socket: a kill right after it may
    // beat the send itself, so bob may or may not have the first copy; the retry after the restart brings it either way.
    // Input stays open while alice's restarted client sends it again.
    const again = inProcess('alice', '--json');
    const delivered = JSON.parse(await again.out.waitFor(/"event":"delivered"/, 30_000)) as { id: string };
    const first = JSON.parse(await bob.out.waitFor(/"text":"survive"/, 20_000)) as { id: string };
    expect(delivered.id).toBe(first.id);
    again.stdin.end();
    expect(await again.exit).toBe(0);
    // Acknowledged again, not shown again.
    await until(() => bob.out.lines.some((l) => l.includes('"event":"left"') && l.includes('alice')), 'alice leaving');
    expect(messages(bob).filter((m) => m.text === 'survive')).toHaveLength(1);
    // SIGTERM (as `kill`, or a service manager) in line mode: bye and exit 0, the history closed (main.ts).
    bob.child.kill('SIGTERM');
    expect(await exitCode(bob.child)).toBe(0);
    expect(readdirSync(join(dataDir, 'history')).filter((f) => f.startsWith('bob.db.'))).toEqual([]); // no lock left
  });

  it('refuses a second client with the same name and data dir (exit 1, one line), and a damaged history file', async () => {
    const alice = inProcess('alice', '--plain'); // holds the file's lock in this process
    await alice.out.waitFor(/registered as alice/);
    const twin = client('alice', '--plain');
    expect(await exitCode(twin.child)).toBe(1);
    expect(twin.err.lines.filter((l) => l !== '')).toHaveLength(1);
    expect(twin.err.lines[0]).toMatch(/^udpchat: alice is already running with this data directory \(.*alice\.db is in use by another udpchat process \(pid \d+\)\)/);

    const file = historyFile(dataDir, 'carol');
    mkdirSync(join(dataDir, 'history'), { recursive: true });
    writeFileSync(file, 'not a database at all '.repeat(200));
    const carol = inProcess('carol', '--plain');
    expect(await carol.exit).toBe(1);
    expect(carol.err.lines.filter((l) => l !== '')).toHaveLength(1);
    expect(carol.err.lines[0]).toContain(`udpchat: history: ${file} is not a usable udpchat database`);
    expect(carol.err.lines[0]).toContain(`mv '${file}' '${file}.broken'`);
  });

  it('--ephemeral writes nothing: no history folder in the data home', async () => {
    const home = mkdtempSync(join(tmpdir(), 'udpchat-ephemeral-'));
    try {
      const p = startProgram(CLIENT_BIN, ['--server', server, '--name', 'dora', '--no-host', '--ephemeral', '--json'], { XDG_DATA_HOME: home });
      p.child.stdin.end('hello from nowhere\n');
      expect(await exitCode(p.child)).toBe(0);
      expect(p.out.json().some((e) => e.event === 'at-relay')).toBe(true); // it did chat
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
