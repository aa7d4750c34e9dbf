/**
 * The rest of issue 13's Done-when with the real programs (identity.test.ts
 * has the offline part): the relay and bob as processes, the other clients
 * the client's program code in this process (helpers/inProcess.ts, real UDP,
 * real key files). bob killed with kill -9 and started again at once is
 * registered without waiting (take-over by his key: the relay replaced the old
 * registration, alice sees bob leave and join, no NAME_TAKEN); another data
 * directory is refused the name bob, and so is an --ephemeral client;
 * --ephemeral with a new name chats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess, stopInProcess, type InProcessClient } from './helpers/inProcess.js';
import { CLIENT_BIN, killAll, RELAY_BIN, startProgram, tempDir, type Program } from './helpers/processes.js';
import { exitCode } from './helpers/wait.js';

afterEach(async () => {
  await stopInProcess();
  killAll(); // the programs, then their temp folders
});
const events = (p: Program | InProcessClient, event: string) => p.out.json().filter((e) => e.event === event);

describe('reserved names, with the real programs', () => {
  // A relay, a client process and five in-process clients: generous on a loaded 2-core machine (alone it takes ~2 s).
  it('bob kill -9 is back at once; another data dir and --ephemeral are refused bob; --ephemeral with a new name chats', { timeout: 60_000 }, async () => {
    const relay = startProgram(RELAY_BIN, ['--port', '0', '--data-dir', tempDir('relay')]);
    const port = (JSON.parse(await relay.out.waitFor(/"relay started"/)) as { port: number }).port;
    const aliceDir = tempDir('alice');
    const bobDir = tempDir('bob');
    const args = (name: string, dir: string | null) => ['--server', `127.0.0.1:${port}`, '--name', name, '--no-host', '--json', ...(dir ? ['--data-dir', dir] : ['--ephemeral'])];
    const chat = (name: string, dir: string | null) => runInProcess(args(name, dir));
    const alice = chat('alice', aliceDir);
    await alice.out.waitFor(/"event":"registered"/);
    const bob = startProgram(CLIENT_BIN, args('bob', bobDir)); // a process, to be killed with kill -9
    await bob.out.waitFor(/"event":"registered"/);
    await alice.out.waitFor(/"event":"joined","name":"bob"/);

    // bob is killed with kill -9 and started again at once: registered without waiting for the presence timeout
    bob.child.kill('SIGKILL');
    await exitCode(bob.child);
    const restarted = chat('bob', bobDir);
    await restarted.out.waitFor(/"event":"registered"/);
    expect(events(restarted, 'error')).toEqual([]); // no NAME_TAKEN, no retry
    // the old registration was replaced at once (reason bye, from the take-over; a registration left to expire would be `timeout` after 15 s)…
    await alice.out.waitFor(/"event":"left","name":"bob","reason":"bye"/);
    await alice.out.waitFor((l) => l.includes('"event":"joined","name":"bob"'));

    // someone else (another data directory) tries bob: refused, exit 1
    const thief = chat('bob', tempDir('thief'));
    thief.stdin.end();
    expect(await thief.exit).toBe(1);
    expect(events(thief, 'error')).toContainEqual(expect.objectContaining({ code: 'NAME_KEY_MISMATCH', message: 'the name bob is reserved for another key' }));
    // …and so is an --ephemeral client asking for it
    const keyless = chat('bob', null);
    keyless.stdin.end();
    expect(await keyless.exit).toBe(1);
    expect(events(keyless, 'error').map((e) => e.code)).toContain('NAME_KEY_MISMATCH');

    // --ephemeral with a new name: chatting works (and nothing is stored for it)
    const guest = chat('guest', null);
    await guest.out.waitFor(/"event":"registered"/);
    alice.stdin.write('@guest hello guest\n');
    await guest.out.waitFor(/"text":"hello guest"/);
    await alice.out.waitFor((l) => l.includes('"event":"delivered"') && l.includes('"to":"guest"'));
  });
});
