/**
 * Identity keys and offline messages as a user meets them (issue 13), with
 * the real programs: the built relay as a process with its store on disk,
 * and the client's program code in line mode (--json) in this process
 * (helpers/inProcess.ts: real UDP, real key files). alice and bob each have their
 * own data directory (their keys); bob quits, alice sends three that are
 * stored, the relay is killed with kill -9 and restarted, bob gets the three
 * in order, once, and alice (back after quitting) gets their receipts
 * (takeover.identity.test.ts has the rest of issue 13's Done-when).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runInProcess, stopInProcess, type InProcessClient } from './helpers/inProcess.js';
import { killAll, RELAY_BIN, startProgram, tempDir, type Program } from './helpers/processes.js';
import { exitCode, until } from './helpers/wait.js';

afterEach(async () => {
  await stopInProcess();
  killAll(); // the programs, then their temp folders
});

async function relayOn(dir: string): Promise<{ relay: Program; port: number }> {
  const relay = startProgram(RELAY_BIN, ['--port', '0', '--data-dir', dir]);
  const line = await relay.out.waitFor(/"relay started"/);
  return { relay, port: (JSON.parse(line) as { port: number }).port };
}

const json = (p: InProcessClient) => p.out.json();
const events = (p: InProcessClient, event: string) => json(p).filter((e) => e.event === event);

describe('identity keys and offline messages, with the real programs', () => {
  // Two relay starts and four clients: generous on a loaded 2-core machine (alone it takes ~2 s).
  it('stored for bob offline, relay kill -9, bob gets the three in order once, alice gets ✓✓ after her restart', { timeout: 60_000 }, async () => {
    const relayDir = tempDir('relay');
    const aliceDir = tempDir('alice');
    const bobDir = tempDir('bob');
    let { relay, port } = await relayOn(relayDir);
    const chat = (name: string, dir: string | null, ...extra: string[]) =>
      runInProcess(['--server', `127.0.0.1:${port}`, '--name', name, '--no-host', '--json', ...(dir ? ['--data-dir', dir] : ['--ephemeral']), ...extra]);

    // bob registers once (his name is bound to his key), then quits
    let bob = chat('bob', bobDir);
    await bob.out.waitFor(/"event":"registered"/);
    const keyFile = join(bobDir, 'keys', 'bob.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(bobDir, 'keys')).mode & 0o777).toBe(0o700);
    bob.stdin.end();
    expect(await bob.exit).toBe(0);

    // alice sends three to bob, offline: stored; then quits
    let alice = chat('alice', aliceDir);
    alice.stdin.end('@bob one\n@bob two\n@bob three\n');
    expect(await alice.exit).toBe(0);
    const stored = events(alice, 'stored');
    expect(stored.map((e) => e.to)).toEqual(['bob', 'bob', 'bob']);
    expect(events(alice, 'failed')).toEqual([]);
    const ids = stored.map((e) => e.id);

    // the relay is killed with kill -9 and started again on the same store
    relay.child.kill('SIGKILL');
    await exitCode(relay.child);
    ({ relay, port } = await relayOn(relayDir));

    // bob comes back: the three, in order, once
    bob = chat('bob', bobDir);
    await bob.out.waitFor(/"text":"three"/);
    const got = events(bob, 'message');
    expect(got.map((e) => [e.id, e.from, e.text])).toEqual([
      [ids[0], 'alice', 'one'],
      [ids[1], 'alice', 'two'],
      [ids[2], 'alice', 'three'],
    ]);

    // alice comes back: her three are delivered (receipts by id)
    alice = chat('alice', aliceDir);
    await until(() => events(alice, 'delivered').length >= 3, 'three receipts');
    expect(new Set(events(alice, 'delivered').map((e) => e.id))).toEqual(new Set(ids));
    expect(events(alice, 'delivered').every((e) => e.to === 'bob')).toBe(true);

  });
});
