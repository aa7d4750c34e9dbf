/**
 * Issue 14's scenario end to end, over a real nats-server: three relays in
 * cluster mode (relay 2 the real `udpchat-relay` program, so that it can be
 * killed with SIGKILL; relays 1 and 3 in this process), alice, bob and carol
 * as real client sessions (keyed, each given all three relays, each starting
 * on its own). Direct and group chats cross relays; relay 2 is killed while
 * bob sends 100 messages to alice: bob moves to another relay, alice shows
 * the 100 exactly once and in order, and carol's list keeps bob throughout
 * (no leave, no join: he is relocated).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '@udpchat/server';
import { NATS_MISSING, natsServerPath, natsServerForSuite } from '../../../tools/test/natsServer.js';
import { keyFileProvider } from '../src/identity/keyFiles.js';
import { ChatSession, type RelayMove } from '../src/net/session.js';
import { freeUdpPort } from '../../../tools/test/ports.js';
import { killAll, RELAY_BIN, startProgram, tempDir } from './helpers/processes.js';
import { until } from './helpers/wait.js';

const missing = natsServerPath() === undefined;
if (missing) console.warn(`clusterFailover.test.ts skipped: ${NATS_MISSING}`);

interface User {
  s: ChatSession;
  moves: Array<RelayMove & { at: number }>;
  shown: Array<{ from: string; to: string; text: string }>;
  /** Joins and leaves pushed to this user, as `join NAME` / `leave NAME`. */
  presence: string[];
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  killAll();
});

describe.skipIf(missing)('three relays over NATS, clients failing over (issue 14)', () => {
  const nats = natsServerForSuite();

  async function inProcess(relayId: string): Promise<Relay> {
    const relay = await startRelay({ host: '127.0.0.1', port: 0, cluster: { url: nats.url, relayId } });
    cleanups.push(() => relay.stop());
    return relay;
  }

  async function user(name: string, ports: number[]): Promise<User> {
    const [first, ...rest] = ports as [number, ...number[]];
    const s = await ChatSession.open({
      host: '127.0.0.1',
      port: first,
      moreServers: rest.map((port) => ({ host: '127.0.0.1', port })),
      name,
      autoHost: false,
      identity: keyFileProvider(tempDir(`cluster-${name}`)),
    });
    cleanups.push(() => s.close());
    const u: User = { s, moves: [], shown: [], presence: [] };
    s.on('moved', (m) => u.moves.push({ ...m, at: Date.now() }));
    s.on('chat', (m) => u.shown.push({ from: m.from, to: m.to, text: m.text }));
    s.on('join', (c) => u.presence.push(`join ${c.name}`));
    s.on('leave', (n) => u.presence.push(`leave ${n}`));
    s.start();
    await until(() => s.registration === 'registered', `${name} to register`, 10_000);
    return u;
  }

  it('direct and group chats across relays; relay 2 killed during 100 messages from bob: bob moves, alice shows 100 once in order, carol keeps bob listed', async () => {
    const r1 = await inProcess('r1');
    const port2 = await freeUdpPort();
    const r2 = startProgram(RELAY_BIN, ['--port', String(port2), '--cluster', nats.url, '--relay-id', 'r2']);
    await r2.out.waitFor(/relay started/);
    const r3 = await inProcess('r3');
    await until(() => [r1, r3].every((r) => r.stats().cluster?.peersUp === 2), 'the three relays to see each other', 10_000);
    const [p1, p3] = [r1.address.port, r3.address.port];
    const alice = await user('alice', [p1, port2, p3]);
    const bob = await user('bob', [port2, p3, p1]);
    const carol = await user('carol', [p3, p1, port2]);
    const everyone = [alice, bob, carol];
    for (const u of everyone) {
      await until(() => u.s.contacts().filter((c) => ['alice', 'bob', 'carol'].includes(c.name)).length === 2, `${u.s.name} to list the other two`, 10_000);
    }

    alice.s.send('bob', 'hi bob, alice on r1');
    carol.s.send('all', 'hello all, carol on r3');
    await until(() => bob.shown.length === 2 && alice.shown.length === 1, 'the direct and the group chat', 10_000);
    expect(bob.shown).toEqual(expect.arrayContaining([{ from: 'alice', to: 'bob', text: 'hi bob, alice on r1' }, { from: 'carol', to: 'all', text: 'hello all, carol on r3' }]));
    expect(alice.shown).toEqual([{ from: 'carol', to: 'all', text: 'hello all, carol on r3' }]);
    expect(carol.shown).toEqual([]); // the sender is left out of its group fan-out

    const texts = Array.from({ length: 100 }, (_, i) => `burst ${i + 1}/100`);
    const before = carol.presence.length;
    for (const text of texts.slice(0, 30)) bob.s.send('alice', text);
    await until(() => alice.shown.length >= 1 + 10, 'the first messages through relay 2', 10_000);
    const killedAt = Date.now();
    r2.child.kill('SIGKILL'); // no bye: bob must notice the silence
    for (const text of texts.slice(30)) bob.s.send('alice', text);
    await until(() => bob.moves.length > 0, 'bob to move', 20_000);
    await until(() => alice.shown.length >= 101 && bob.s.pending === 0, 'the 100 messages, all acknowledged', 30_000);

    expect(alice.shown.slice(1).map((m) => m.text)).toEqual(texts); // exactly once, in order
    expect(bob.moves).toHaveLength(1);
    expect(bob.moves[0]?.from).toBe(`127.0.0.1:${port2}`);
    expect([`127.0.0.1:${p3}`, `127.0.0.1:${p1}`]).toContain(bob.moves[0]?.to);
    // The target is 5 s (the client's liveness window is 2.5 s); a loaded machine gets slack, the closing note has the figures.
    expect((bob.moves[0]?.at ?? Infinity) - killedAt).toBeLessThan(10_000);
    expect(alice.moves).toEqual([]); // alice's and carol's relays stayed up
    expect(carol.moves).toEqual([]);
    expect(carol.presence.slice(before).filter((p) => p.endsWith(' bob'))).toEqual([]); // relocated: no leave, no join
    expect(carol.s.contacts().some((c) => c.name === 'bob')).toBe(true);
    await until(() => [r1, r3].some((r) => r.contacts().some((c) => c.name === 'bob')), 'bob registered at r1 or r3');
  }, 90_000);
});
