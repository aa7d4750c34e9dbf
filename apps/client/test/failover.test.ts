/**
 * Client fail-over over real UDP sockets (issue 14): two independent relays
 * (no cluster: each its own table), alice and bob given both (`--server
 * a,b`). The first is killed with SIGKILL (no bye) while bob sends 100
 * messages to alice: both move to the second and alice shows 100 of 100,
 * once each, in order. A relay that says bye (SIGTERM) is left at once, and
 * line mode prints the move. The timing-heavy variants (loss, backoff, idle
 * clients) run on the virtual clock: apps/sim/test/failover.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '@udpchat/server';
import { ChatSession, type RelayMove } from '../src/net/session.js';
import { keyFileProvider } from '../src/identity/keyFiles.js';
import { runInProcess, stopInProcess } from './helpers/inProcess.js';
import { CLIENT_BIN, killAll, RELAY_BIN, startProgram, tempDir, type Program } from './helpers/processes.js';
import { freeUdpPort } from '../../../tools/test/ports.js';
import { until } from './helpers/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await stopInProcess();
  for (const c of cleanups.splice(0).reverse()) await c();
  killAll();
});

/** The relay program on a free port (it can be killed with SIGKILL), with extra flags. */
async function relayProgram(...flags: string[]): Promise<{ program: Program; port: number }> {
  const port = await freeUdpPort();
  const program = startProgram(RELAY_BIN, ['--port', String(port), ...flags]);
  await program.out.waitFor(/relay started/);
  return { program, port };
}

/** A relay in this process on port 0. */
async function inProcessRelay(): Promise<Relay> {
  const relay = await startRelay({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => relay.stop());
  return relay;
}

/** A session of `name` given the relays on `ports`, in order; autoHost on, to show that a list never hosts. `keyed`: with an identity key. */
async function session(name: string, ports: number[], keyed = false): Promise<{ s: ChatSession; moves: Array<RelayMove & { at: number }>; shown: string[] }> {
  const [first, ...rest] = ports as [number, ...number[]];
  const identity = keyed ? keyFileProvider(tempDir('failover')) : null;
  const s = await ChatSession.open({ host: '127.0.0.1', port: first, moreServers: rest.map((port) => ({ host: '127.0.0.1', port })), name, autoHost: true, identity });
  cleanups.push(() => s.close());
  const moves: Array<RelayMove & { at: number }> = [];
  const shown: string[] = [];
  s.on('moved', (m) => moves.push({ ...m, at: Date.now() }));
  s.on('chat', (m) => shown.push(m.text));
  s.start();
  await until(() => s.registration === 'registered', `${name} to register`);
  return { s, moves, shown };
}

describe('fail-over between two independent relays (real sockets)', () => {
  it('relay 1 killed (SIGKILL) while bob sends 100 to alice: both move to relay 2, alice shows 100 of 100 once, in order', async () => {
    // Heartbeats every second: alice, who only receives, notices as soon as bob (the idle case, at most
    // FAILOVER_HEARTBEAT_MS + 2.5 s with the default 10 s interval, runs on the virtual clock in apps/sim).
    const one = await relayProgram('--heartbeat-interval', '1');
    const two = await inProcessRelay();
    const ports = [one.port, two.address.port];
    const alice = await session('alice', ports);
    const bob = await session('bob', ports);
    await until(() => alice.s.contacts().some((c) => c.name === 'bob'), 'alice to list bob');
    const texts = Array.from({ length: 100 }, (_, i) => `burst ${i + 1}`);
    for (const text of texts.slice(0, 30)) bob.s.send('alice', text);
    await until(() => alice.shown.length >= 10, 'the first messages through relay 1');
    const killedAt = Date.now();
    one.program.child.kill('SIGKILL'); // no bye: the clients must notice the silence
    for (const text of texts.slice(30)) bob.s.send('alice', text);
    await until(() => bob.moves.length > 0 && alice.moves.length > 0, 'both to move', 20_000);
    await until(() => alice.shown.length >= 100 && bob.s.pending === 0, 'the 100 messages, all acknowledged', 30_000);
    expect(alice.shown).toEqual(texts); // exactly once, in order: the retransmissions to relay 2 were deduped
    for (const { s, moves } of [alice, bob]) {
      expect(moves.map((m) => [m.from, m.to, m.reason])).toEqual([[`127.0.0.1:${one.port}`, `127.0.0.1:${two.address.port}`, `127.0.0.1:${one.port} stopped answering`]]);
      expect(s.relay.port).toBe(two.address.port);
      expect(s.hosting).toBe(false); // a list never hosts, not even a silent loopback relay
    }
    // The target is 5 s (liveness window 2.5 s); a loaded machine gets some slack here, the report says what it measured.
    expect((bob.moves[0]?.at ?? Infinity) - killedAt).toBeLessThan(8000);
    expect(two.contacts().map((c) => c.name).sort()).toEqual(['alice', 'bob']);
  }, 60_000);

  it('a relay that says bye: its clients move at once (no silence window), nothing lost; a keyed one proves its key there', async () => {
    const one = await inProcessRelay();
    const two = await inProcessRelay();
    const ports = [one.address.port, two.address.port];
    const alice = await session('alice', ports, true);
    const identifies: number[] = [];
    alice.s.watchDatagrams((r) => r.direction === 'out' && r.kind === 'identify' && identifies.push(r.peer.port));
    const bob = await session('bob', ports);
    bob.s.send('alice', 'before');
    await until(() => alice.shown.length === 1, 'the first message');
    const stoppedAt = Date.now();
    await one.stop('relay moving: upgrade');
    bob.s.send('alice', 'after');
    await until(() => alice.shown.length === 2 && bob.s.pending === 0, 'the second message, through relay 2', 10_000);
    expect(alice.shown).toEqual(['before', 'after']);
    expect(identifies).toContain(two.address.port); // registration at relay 2 completed with the identity key (PROTOCOL.md §6.5)
    for (const { moves } of [alice, bob]) {
      expect(moves.map((m) => m.reason)).toEqual([`127.0.0.1:${one.address.port} said bye: relay moving: upgrade`]);
      expect((moves[0]?.at ?? Infinity) - stoppedAt).toBeLessThan(2000); // the bye, not 2.5 s of silence
    }
  }, 30_000);

  it('nothing on the first (loopback) address at start: a list never hosts it, it moves to the second', async () => {
    const free = await freeUdpPort();
    const two = await inProcessRelay();
    const s = await ChatSession.open({ host: '127.0.0.1', port: free, moreServers: [{ host: '127.0.0.1', port: two.address.port }], name: 'dora', autoHost: true, silentAfterMs: 500 });
    cleanups.push(() => s.close());
    expect(s.hosting).toBe(false); // with one server it would host a relay on that free loopback port now
    s.start();
    await until(() => s.registration === 'registered', 'dora to register at relay 2');
    expect(s.relay.port).toBe(two.address.port);
    expect(s.hosting).toBe(false);
  });

  // The client's program code in this process (helpers/inProcess.ts): its arguments and environment, line mode, real UDP.
  it('line mode (--server a,b; UDPCHAT_SERVERS): prints the move, and the message typed after it arrives', async () => {
    const one = await inProcessRelay();
    const two = await inProcessRelay();
    const list = `127.0.0.1:${one.address.port},127.0.0.1:${two.address.port}`;
    const bob = runInProcess(['--name', 'bob', '--plain', '--ephemeral'], { UDPCHAT_SERVERS: list });
    await bob.out.waitFor(new RegExp(`registered as bob .* at relay 127\\.0\\.0\\.1:${one.address.port}$`));
    const alice = runInProcess(['--server', list, '--name', 'alice', '--plain', '--ephemeral']);
    await alice.out.waitFor(/registered as alice/);
    // Both registered at relay one, as it sees it (a client prints "registered" at the welcome; its list may still be on its way).
    await until(() => one.contacts().filter((c) => c.name === 'alice' || c.name === 'bob').length === 2, 'alice and bob registered at relay one');
    await one.stop('relay moving: upgrade'); // what a relay stopped with SIGTERM says
    const moved = `moved to 127.0.0.1:${two.address.port} (127.0.0.1:${one.address.port} said bye: relay moving: upgrade)`;
    await alice.out.waitFor((l) => l.includes(moved));
    await bob.out.waitFor((l) => l.includes(moved));
    await bob.out.waitFor(new RegExp(`registered as bob .* at relay 127\\.0\\.0\\.1:${two.address.port}$`));
    await alice.out.waitFor(new RegExp(`registered as alice .* at relay 127\\.0\\.0\\.1:${two.address.port}$`));
    alice.stdin.write('@bob after the move\n');
    await bob.out.waitFor(/alice -> bob: after the move$/);
  }, 30_000);

  it('a bad UDPCHAT_SERVERS is a usage error: exit 2, one line, the usage (cli.test.ts has the --server cases)', async () => {
    const env = startProgram(CLIENT_BIN, [], { UDPCHAT_SERVERS: '127.0.0.1:9000,[::1' });
    await until(() => env.child.exitCode !== null, 'the client to exit');
    expect(env.child.exitCode).toBe(2);
    expect(env.err.lines[0]).toMatch(/^udpchat: UDPCHAT_SERVERS entry 2 \("\[::1"\) needs an IPv6 address in brackets/);
    expect(env.err.lines[1]).toMatch(/^usage: pnpm chat/);
  });
});
