/**
 * Line mode of the real client. The program's code (runClient: arguments,
 * keys, history, session, line mode) runs in this process over real UDP
 * (helpers/inProcess.ts) for what line mode does; a few child processes
 * remain for what only a process shows: exit codes, a reader that goes away
 * (EPIPE), bad flags, no stack trace on stderr, --no-host with nothing there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '@udpchat/server';
import { testRelay } from './helpers/chat.js';
import { runInProcess, stopInProcess } from './helpers/inProcess.js';
import { CLIENT_BIN, killAll, startProgram } from './helpers/processes.js';
import { freeUdpPort } from '../../../tools/test/ports.js';
import { exitCode } from './helpers/wait.js';

afterEach(async () => {
  await stopInProcess();
  killAll();
});

describe('line mode with a relay', () => {
  let relay: Relay;
  let server: string;

  beforeEach(async () => {
    relay = await testRelay();
    server = `127.0.0.1:${relay.address.port}`;
  });
  afterEach(async () => {
    await relay.stop();
  });

  const args = (name: string, ...extra: string[]) => ['--server', server, '--name', name, '--no-host', ...extra];
  const client = (name: string, ...extra: string[]) => runInProcess(args(name, ...extra));
  const program = (name: string, ...extra: string[]) => startProgram(CLIENT_BIN, args(name, ...extra));

  // A few program starts per test: generous on a loaded 2-core machine (alone each takes a few seconds).
  it('a piped program (--plain) whose reader goes away (| head -1: EPIPE) still sends what it was given, says bye and exits 0; plain output', { timeout: 60_000 }, async () => {
    const bob = client('bob', '--plain');
    await bob.out.waitFor(/^\d\d:\d\d:\d\d \* registered as bob \(127\.0\.0\.1:\d+\) at relay 127\.0\.0\.1:\d+$/);
    const alice = program('alice', '--plain');
    await alice.out.waitFor(/^\d\d:\d\d:\d\d \* registered as alice \(127\.0\.0\.1:\d+\) at relay/);
    alice.child.stdout.destroy(); // like `head -1` exiting: alice's next write gets EPIPE
    alice.child.stdin.end('/who\n@bob hi\n');
    expect(await exitCode(alice.child)).toBe(0);
    expect(alice.err.lines.join('\n')).not.toMatch(/EPIPE|at .*\.js:\d+/);
    const line = await bob.out.waitFor(/alice -> bob: hi$/);
    expect(line).toMatch(/^\d\d:\d\d:\d\d alice -> bob: hi$/);
    await bob.out.waitFor(/^\d\d:\d\d:\d\d \* alice left \(bye\)$/);
  });

  it('--json: one object per event; /to switches the target; all reaches everyone but the sender; an unknown contact is an error event; /burst and /datagrams; a taken name is exit 1', { timeout: 60_000 }, async () => {
    // bob without keys (--ephemeral): his name is not reserved, so BOB below is merely taken (identity.test.ts has the keyed cases).
    const bob = client('bob', '--json', '--ephemeral');
    await bob.out.waitFor(/"event":"registered"/);
    const carol = client('carol', '--json');
    await carol.out.waitFor(/"event":"registered"/);
    await bob.out.waitFor(/"event":"joined","name":"carol"/);
    const alice = client('alice', '--json');
    alice.stdin.write('hello all\n/to carol\nonly carol\n');
    await carol.out.waitFor(/only carol/);
    const toAll = await bob.out.waitFor(/hello all/);
    const event = JSON.parse(toAll) as Record<string, unknown>;
    expect(event).toMatchObject({ event: 'message', from: 'alice', to: 'all', text: 'hello all' });
    expect(typeof event.id).toBe('string');
    expect(String(event.id)).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(new Date(String(event.time)).getTime()).toBeGreaterThan(0);
    await carol.out.waitFor(/"text":"hello all"/);
    // An unknown contact: an error event, and the message itself reported failed, by its id; still exit 0.
    alice.stdin.end('@zed hi\n/quit\n');
    expect(await alice.exit).toBe(0);
    const error = alice.out.json().find((e) => e.event === 'error');
    expect(error).toMatchObject({ code: 'UNKNOWN_CONTACT', message: 'zed is not online' });
    expect(typeof error?.ref).toBe('string');
    expect(alice.out.json().find((e) => e.event === 'failed')).toMatchObject({ id: error?.ref, to: 'zed', reason: 'zed is not online' });
    // Every message alice sent to someone online was acknowledged: 'hello all' by both, 'only carol' by carol.
    const delivered = alice.out.json().filter((e) => e.event === 'delivered');
    expect(delivered.map((e) => [e.to, e.delivered, e.of])).toEqual(expect.arrayContaining([['all', 2, 2], ['carol', 1, 1]]));
    await bob.out.waitFor(/"event":"left","name":"alice","reason":"bye"/);
    expect(bob.out.json().filter((e) => e.event === 'message').map((e) => e.text)).toEqual(['hello all']);

    // /burst works in line mode: N messages, N datagrams, in order; /datagrams prints each datagram.
    const dave = client('dave', '--json');
    await dave.out.waitFor(/"event":"contacts"/);
    dave.stdin.end('/datagrams\n/to bob\n/burst 50 tick\n');
    expect(await dave.exit).toBe(0);
    await bob.out.waitFor(/"text":"tick 50\/50"/);
    const texts = bob.out.json().filter((e) => e.event === 'message' && e.from === 'dave').map((e) => e.text);
    expect(texts).toEqual(Array.from({ length: 50 }, (_, i) => `tick ${i + 1}/50`));
    const sent = dave.out.json().filter((e) => e.event === 'datagram' && e.direction === 'out' && e.kind === 'chat');
    // One datagram per message; on a loaded machine an ack may come after the retransmission timer, so a
    // message may go out again: its first copies are the 50, in order.
    const firstCopies = [...new Set(sent.map((e) => /^"([^"]*)"/.exec(String(e.payload))?.[1]))];
    expect(firstCopies).toEqual(Array.from({ length: 50 }, (_, i) => `tick ${i + 1}/50`));
    expect(String(sent[0]?.payload)).toMatch(/^"tick 1\/50"  ff 55 02 06/);

    // A taken name is a clear error and exit 1 (the real program: its exit code, no stack trace), not a hang.
    const impostor = program('BOB', '--plain', '--ephemeral');
    impostor.child.stdin.end('hi\n');
    expect(await exitCode(impostor.child)).toBe(1);
    expect(impostor.out.lines.join('\n')).toMatch(/! name "BOB" is taken \(NAME_TAKEN\)|! .*taken.*\(NAME_TAKEN\)/);
    expect(impostor.err.lines.join('\n')).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('bad flags exit 2 with a one-line reason and the usage', async () => {
    const bad = startProgram(CLIENT_BIN, ['--frob']);
    expect(await exitCode(bad.child)).toBe(2);
    expect(bad.err.lines[0]).toBe('udpchat: unknown flag --frob');
    expect(bad.err.lines[1]).toMatch(/^usage: pnpm chat/);
  });
});

describe('line mode without a relay', () => {
  it('hosts the relay in-process on a free loopback port, and a second client joins it', async () => {
    const port = await freeUdpPort(); // below the ephemeral range: nobody else's port-0 socket takes it meanwhile
    const host = runInProcess(['--server', `127.0.0.1:${port}`, '--name', 'alice', '--json']);
    const registered = JSON.parse(await host.out.waitFor(/"event":"registered"/)) as Record<string, unknown>;
    expect(registered).toMatchObject({ name: 'alice', hosting: true, relay: `127.0.0.1:${port}` });
    const guest = runInProcess(['--server', `127.0.0.1:${port}`, '--name', 'bob', '--json']);
    const guestRegistered = JSON.parse(await guest.out.waitFor(/"event":"registered"/)) as Record<string, unknown>;
    expect(guestRegistered).toMatchObject({ name: 'bob', hosting: false });
    guest.stdin.end('@alice via the embedded relay\n');
    await host.out.waitFor(/via the embedded relay/);
    expect(await guest.exit).toBe(0);
    host.stdin.end();
    expect(await host.exit).toBe(0);
  });

  it('--no-host with nothing listening: the program says the relay did not answer and exits 1', async () => {
    const port = await freeUdpPort();
    const lonely = startProgram(CLIENT_BIN, ['--server', `127.0.0.1:${port}`, '--name', 'alice', '--no-host', '--plain']);
    lonely.child.stdin.end('anyone?\n');
    expect(await exitCode(lonely.child, 20_000)).toBe(1);
    expect(lonely.out.lines.join('\n')).toContain(`relay 127.0.0.1:${port} did not answer (NO_RELAY)`);
  });
});
