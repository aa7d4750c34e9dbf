/**
 * A client that hosts the relay for others and whose terminal goes away
 * (issue 10, item 13): closing the terminal (SIGHUP) is a quit like any
 * other — a bye for the host, then the relay's own bye — so the guests see
 * the host leave and one of them takes over hosting at once. alice is the
 * real program in tmux; bob, the guest, the client's program code in line
 * mode in this process (helpers/inProcess.ts), hosting the relay next here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freeUdpPort } from '../../../tools/test/ports.js';
import { runInProcess, stopInProcess } from './helpers/inProcess.js';
import { CLIENT_BIN, killAll } from './helpers/processes.js';
import { killTmuxServer, Terminal } from './helpers/tmux.js';

afterAll(async () => {
  killTmuxServer();
  await stopInProcess();
  killAll();
});

describe('the host closes its terminal', () => {
  it('guests see "alice left" (bye) and the relay going away, and a guest hosts it next', async () => {
    const port = await freeUdpPort();
    const alice = Terminal.start('host-alice', [process.execPath, CLIENT_BIN, '--server', `127.0.0.1:${port}`, '--name', 'alice'], 100, 30);
    await alice.waitFor(/hosted here/);
    const bob = runInProcess(['--server', `127.0.0.1:${port}`, '--name', 'bob', '--json']);
    await bob.out.waitFor(/"event":"registered"/);
    await alice.waitFor(/● bob/);

    alice.kill(); // tmux kill-session: the client gets SIGHUP, as when a terminal window is closed

    const left = await bob.out.waitFor(/"event":"left","name":"alice"/, 10_000);
    expect(JSON.parse(left)).toMatchObject({ event: 'left', name: 'alice', reason: 'bye' });
    await bob.out.waitFor(/relay going away|the client hosting the relay quit/, 10_000);
    // bob (started without --no-host) hosts the relay now and registers with it.
    const again = await bob.out.waitFor(/"event":"registered".*"hosting":true/, 15_000);
    expect(JSON.parse(again)).toMatchObject({ name: 'bob', hosting: true });
    bob.stdin.end();
    expect(await bob.exit).toBe(0);
  }, 60_000);
});
