/**
 * The relay's store as a real process sees it (PROTOCOL.md §6.6, issue 13):
 * a relay killed with `kill -9` while storing loses no message it told the
 * sender was stored; a corrupt or torn store is refused at start with one
 * line naming the file and how to move it aside (exit 1, no stack trace);
 * `udpchat-relay names list|release NAME`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatMessage } from '@udpchat/protocol';
import { chat, TestPeer } from './helpers/peer.js';
import { exitWithin, runRelay, spawnRelay, type RelayProcess } from './helpers/process.js';
import { until } from './helpers/wait.js';
import { openRelayStore } from '../src/store/relayStore.js';
import { runNames } from '../src/cli/names.js';
import { registerWithKey as registerKeyed } from './helpers/identity.js';

const dirs: string[] = [];
const procs: RelayProcess[] = [];
const peers: TestPeer[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) p.child.kill('SIGKILL');
  await Promise.all(peers.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'udpchat-durable-'));
  dirs.push(d);
  return d;
}

/** Starts the built relay on a free port with its store in `dir`; resolves once it listens. */
async function relayAt(dir: string): Promise<{ proc: RelayProcess; port: number }> {
  const proc = spawnRelay(['--port', '0', '--data-dir', dir, '--rate-limit', '0']);
  procs.push(proc);
  await proc.stdout.waitFor((l) => l.includes('"relay started"'), 'relay started');
  const started = proc.stdout.json().find((l) => l.msg === 'relay started');
  return { proc, port: started?.port as number };
}

async function peer(port: number): Promise<TestPeer> {
  const p = await TestPeer.open({ address: '127.0.0.1', port, family: 'IPv4' });
  peers.push(p);
  return p;
}


/** `udpchat-relay names …` in this process (the program's own code): its exit code and lines. */
function names(argv: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runNames(argv, { out: (l) => out.push(l), err: (l) => err.push(...l.split('\n')) });
  return { code, out, err };
}

describe('the relay store across kill -9 (real process)', () => {
  it('every message the sender was told is stored survives kill -9 mid-stream and reaches bob in order, once', async () => {
    const dir = tempDir();
    const bobKey = generateKeyPairSync('ed25519').privateKey;
    const first = await relayAt(dir);
    const bob = await peer(first.port);
    await registerKeyed(bob, 'bob', bobKey, 8000);
    await bob.send({ kind: 'bye', reason: '' });
    const alice = await peer(first.port);
    await alice.register('alice');
    const sent: ChatMessage[] = [];
    for (let seq = 1; seq <= 300; seq++) sent.push(chat('bob', `m${seq}`, { seq, base: 1 }));
    for (const m of sent) void alice.send(m);
    // kill -9 while it is storing: once some are acknowledged as stored, not all
    await until(() => alice.pending('stored').length >= 20, 'the first stored answers', 10_000);
    first.proc.child.kill('SIGKILL');
    expect(await exitWithin(first.proc)).toBe(null);
    const told = new Set(alice.pending('stored').map((s) => s.id));
    expect(told.size).toBeGreaterThanOrEqual(20);

    const second = await relayAt(dir); // the same data dir: the dead owner's lock is stale
    // The live owner's is not: `names` (the program's code, in this process) says so, naming its pid.
    const locked = names(['list', '--data-dir', dir]);
    expect(locked.code).toBe(1);
    expect(locked.err[0]).toContain(`is in use by another udpchat process (pid ${second.proc.child.pid}) (stop the relay first)`);
    const back = await peer(second.port);
    await registerKeyed(back, 'bob', bobKey, 8000);
    const stored = await until(() => {
      const chats = back.pending('chat');
      return chats.length > 0 && chats.length === new Set(chats.map((c) => c.id)).size && [...told].every((id) => chats.some((c) => c.id === id)) ? chats : undefined;
    }, 'every stored message', 10_000);
    const seqs = stored.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // in order
    expect(new Set(stored.map((c) => c.id)).size).toBe(stored.length); // once
    for (const c of stored) expect(c.text).toBe(`m${c.seq}`);
    // Stopped cleanly, it leaves the store to `names`: bob's binding, from his registration before the kill.
    second.proc.child.kill('SIGTERM');
    expect(await exitWithin(second.proc)).toBe(0);
    const list = names(['list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.out[1]).toMatch(/^bob\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[0-9a-f]{16}\s+\d+$/);
    expect(list.out[2]).toBe(`1 reserved name in ${join(dir, 'relay.db')}`);
  });
});

describe('a corrupt or torn store (real process)', () => {
  it('garbage in relay.db: one line naming the file and how to move it aside, exit 1, no stack trace', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'relay.db'), 'this is not a database, just some bytes'.repeat(200));
    const { code, stderr } = await runRelay(['--port', '0', '--data-dir', dir]);
    expect(code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(join(dir, 'relay.db'));
    expect(stderr[0]).toMatch(/move it aside \(mv '.*relay\.db' '.*relay\.db\.broken'\)/);
    expect(stderr.join('\n')).not.toMatch(/at .*\.js:\d+/);
  });

  it('a store cut in half (torn) is refused too, never started empty', async () => {
    const dir = tempDir();
    const file = join(dir, 'relay.db');
    const store = openRelayStore(file);
    for (let i = 0; i < 200; i++) store.bind(`user${i}`, `user${i}`, new Uint8Array(32).fill(i), Date.now());
    store.close();
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(8192);
    truncateSync(file, Math.floor(size / 2) + 100); // not on a page boundary
    const { code, stderr } = await runRelay(['--port', '0', '--data-dir', dir]);
    expect(code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain('move it aside');
    expect(readFileSync(file).length).toBe(Math.floor(size / 2) + 100); // left as it was, for the operator
  });
});

describe('udpchat-relay names list|release NAME', () => {
  it('the program: lists the reserved names of a stopped relay (LOCKED while one runs: see the kill -9 test)', async () => {
    const dir = tempDir();
    const store = openRelayStore(join(dir, 'relay.db')); // what a relay wrote: the same store code
    store.bind('Bob', 'bob', generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32), Date.now());
    store.close();
    const list = await runRelay(['names', 'list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.stdout[0]).toMatch(/^name\s+bound since \(UTC\)\s+key\s+stored$/);
    expect(list.stdout[1]).toMatch(/^Bob\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[0-9a-f]{16}\s+0$/);
    expect(list.stdout[2]).toBe(`1 reserved name in ${join(dir, 'relay.db')}`);
  });

  it('releases a name (and what is stored for it), says so for an unknown name (exit 1) and for a mistake (exit 2)', () => {
    const dir = tempDir();
    const store = openRelayStore(join(dir, 'relay.db'));
    store.bind('Bob', 'bob', new Uint8Array(32).fill(1), Date.now());
    store.storeChat({ recipientKey: 'bob', recipient: 'Bob', sender: 'alice', senderKey: 'alice', senderKeyed: false, id: 'x1', epoch: 7, seq: 1, base: 1, time: 0, text: 'hi' }, Date.now());
    store.close();
    const release = names(['release', 'BOB', '--data-dir', dir]);
    expect([release.code, release.out[0]]).toEqual([0, 'released Bob (and deleted 1 stored message): the next client to register it binds it to its key']);
    const again = names(['release', 'bob', '--data-dir', dir]);
    expect([again.code, again.err[0]]).toEqual([1, `udpchat-relay: the name bob is not reserved in ${join(dir, 'relay.db')}`]);
    expect(names(['list', '--data-dir', dir]).out[0]).toBe(`no reserved names in ${join(dir, 'relay.db')}`);
    const reopened = openRelayStore(join(dir, 'relay.db'));
    expect(reopened.counts()).toEqual({ bindings: 0, stored: 0, receipts: 0 });
    reopened.close();
    for (const [argv, why] of [
      [['release'], 'names release needs a NAME'],
      [[], 'names needs list or release NAME'],
      [['frob'], 'names needs list or release NAME (got "frob")'],
      [['list', 'bob'], 'names list takes no NAME (got "bob")'],
      [['release', 'a b'], 'names release: '],
      [['list', '--frob'], "Unknown option '--frob'"],
    ] as const) {
      const r = names([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err[0]).toContain(`udpchat-relay: ${why}`);
      expect(r.err[1]).toMatch(/^usage: udpchat-relay/);
    }
  });
});
