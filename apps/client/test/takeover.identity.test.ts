/**
 * The rest of issue 13's Done-when with the real programs (identity.test.ts
 * has the offline part): bob killed with kill -9 and started again at once is
 * registered without waiting (take-over by his key: the relay replaced the old
 * registration, alice sees bob leave and join, no NAME_TAKEN); another data
 * directory is refused the name bob, and so is an --ephemeral client;
 * --ephemeral with a new name chats.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_BIN, killAll, RELAY_BIN, startProgram, tempDir, type Program } from './helpers/processes.js';
import { exitCode } from './helpers/wait.js';

afterEach(() => killAll()); // the programs, then their temp folders
const events = (p: Program, event: string) => p.out.json().filter((e) => e.event === event);

describe('reserved names, with the real programs', () => {
  // Many program starts: generous on a loaded 2-core machine (alone it takes ~8 s).
  it('bob kill -9 is back at once; another data dir and --ephemeral are refused bob; --ephemeral with a new name chats', { timeout: 60_000 }, async () => {
    const relay = startProgram(RELAY_BIN, ['--port', '0', '--data-dir', tempDir('relay')]);
    const port = (JSON.parse(await relay.out.waitFor(/"relay started"/)) as { port: number }).port;
    const aliceDir = tempDir('alice');
    const bobDir = tempDir('bob');
    const chat = (name: string, dir: string | null) =>
      startProgram(CLIENT_BIN, ['--server', `127.0.0.1:${port}`, '--name', name, '--no-host', '--json', ...(dir ? ['--data-dir', dir] : ['--ephemeral'])]);
    const alice = chat('alice', aliceDir);
    await alice.out.waitFor(/"event":"registered"/);
    const bob = chat('bob', bobDir);
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
    thief.child.stdin.end();
    expect(await exitCode(thief.child)).toBe(1);
    expect(events(thief, 'error')).toContainEqual(expect.objectContaining({ code: 'NAME_KEY_MISMATCH', message: 'the name bob is reserved for another key' }));
    // …and so is an --ephemeral client asking for it
    const keyless = chat('bob', null);
    keyless.child.stdin.end();
    expect(await exitCode(keyless.child)).toBe(1);
    expect(events(keyless, 'error').map((e) => e.code)).toContain('NAME_KEY_MISMATCH');

    // --ephemeral with a new name: chatting works (and nothing is stored for it)
    const guest = chat('guest', null);
    await guest.out.waitFor(/"event":"registered"/);
    alice.child.stdin.write('@guest hello guest\n');
    await guest.out.waitFor(/"text":"hello guest"/);
    await alice.out.waitFor((l) => l.includes('"event":"delivered"') && l.includes('"to":"guest"'));
  });
});
