/**
 * Delivery over an unreliable network, with real UDP sockets: a lossy proxy
 * (30 % loss, 10 % duplicates, 10 % reordering, both ways) between two clients
 * and the relay, and a relay restarted mid-conversation.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encode, paddedHello, type ChatMessage } from '@udpchat/protocol';
import { startRelay, type Relay } from '@udpchat/server';
import type { DeliveryState } from '../src/net/delivery/states.js';
import { ChatSession } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import type { MessageEntry } from '../src/state/types.js';
import { startLossyProxy, type LossyProxy } from './helpers/lossyProxy.js';
import { killAll, RELAY_BIN, startProgram } from './helpers/processes.js';
import { freeUdpPort, whileInUse } from '../../../tools/test/ports.js';
import { until } from './helpers/wait.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

/** A session; `maxHeartbeatMs` 1000 (not the relay's 10 s) lets an idle client notice an outage in ~3.5 s, not ~12.5 s. */
async function session(port: number, name: string, giveUpMs?: number, maxHeartbeatMs?: number): Promise<ChatSession> {
  const s = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: false, delivery: { giveUpMs }, maxHeartbeatMs });
  cleanups.push(() => s.close());
  s.start();
  await until(() => s.registration === 'registered', `${name} to register`, 20_000);
  return s;
}

/** Records what a session receives and the final delivery state of what it sends. */
function observe(s: ChatSession) {
  const received: ChatMessage[] = [];
  const final = new Map<string, DeliveryState>();
  s.on('chat', (m) => received.push(m));
  s.on('delivery', (m, d) => {
    if (d.state === 'delivered' || d.state === 'failed') final.set(m.id, d);
  });
  return { received, final };
}

describe('delivery through a lossy network', () => {
  // The real proxy and sockets, briefly. The same scenario at volume (200 messages each way, the
  // same loss, the same assertions) runs on the virtual clock: apps/sim/test/scenarios.test.ts.
  it('30 messages each way arrive exactly once, in order, and all end delivered (30 % loss, 10 % dup, 10 % reorder)', async () => {
    const relay = await startRelay({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => relay.stop());
    const proxy: LossyProxy = await startLossyProxy({
      target: { address: '127.0.0.1', port: relay.address.port },
      loss: 0.3,
      duplicate: 0.1,
      reorder: 0.1,
      seed: 7,
    });
    cleanups.push(() => proxy.close());
    // On a loaded 2-core machine the proxy, the relay and both clients compete for the CPU; the
    // 30 s give-up is tested elsewhere, so here nothing may be given up before it is delivered.
    const alice = await session(proxy.address.port, 'alice', 250_000);
    const bob = await session(proxy.address.port, 'bob', 250_000);
    const a = observe(alice);
    const b = observe(bob);
    const N = 30;
    for (let i = 1; i <= N; i++) {
      alice.send('bob', `a${i}`);
      bob.send('alice', `b${i}`);
    }
    // Generous: behind 30 % loss each way on a loaded 2-core machine.
    await until(() => b.received.length >= N && a.received.length >= N, 'all messages to arrive', 120_000);
    await until(() => a.final.size === N && b.final.size === N, 'every message to be final', 60_000);
    expect(b.received.map((m) => m.text)).toEqual(Array.from({ length: N }, (_, i) => `a${i + 1}`));
    expect(a.received.map((m) => m.text)).toEqual(Array.from({ length: N }, (_, i) => `b${i + 1}`));
    expect([...a.final.values()].filter((d) => d.state !== 'delivered')).toEqual([]);
    expect([...b.final.values()].filter((d) => d.state !== 'delivered')).toEqual([]);
    // The proxy really was lossy (some 200 datagrams each way: ~60 dropped, ~14 duplicated are expected).
    const stats = proxy.stats();
    expect(stats.upstream.dropped + stats.downstream.dropped).toBeGreaterThan(20);
    expect(stats.upstream.duplicated + stats.downstream.duplicated).toBeGreaterThan(3);
    // Nothing left behind.
    expect(alice.deliverySizes).toMatchObject({ pending: 0, held: 0 });
    expect(bob.deliverySizes).toMatchObject({ pending: 0, held: 0 });
  }, 180_000);
});

describe('relay restart', () => {
  it('messages typed while the relay is down arrive after it is back, once each, in order', async () => {
    // Below the ephemeral range: while the relay is down no port-0 socket of another test can take its port.
    const port = await freeUdpPort();
    let relay: Relay = await startRelay({ host: '127.0.0.1', port });
    cleanups.push(() => relay.stop());
    const alice = await session(port, 'alice');
    const bob = await session(port, 'bob');
    await until(() => alice.contacts().length === 1, 'alice to see bob');
    const b = observe(bob);
    const a = observe(alice);
    alice.send('bob', 'before');
    await until(() => b.received.length === 1, 'the first message');
    await until(() => alice.pending === 0, 'its ack (acks wait for the next tick, ≤ 50 ms)');

    await relay.stop(); // the relay goes away (it says bye)
    await until(() => alice.status === 'silent' && bob.status === 'silent', 'both to notice', 20_000);
    const during = Array.from({ length: 20 }, (_, i) => `during ${i + 1}`);
    for (const text of during) alice.send('bob', text);
    alice.send('all', 'group during');
    expect(alice.pending).toBe(21);

    relay = await whileInUse(() => startRelay({ host: '127.0.0.1', port })); // on the port it just closed (ports.ts)
    await until(() => b.received.length === 22, 'the messages typed during the outage', 30_000);
    expect(b.received.map((m) => m.text)).toEqual(['before', ...during, 'group during']);
    await until(() => a.final.size === 22, 'every message to be final', 30_000);
    expect([...a.final.values()].every((d) => d.state === 'delivered')).toBe(true);
  }, 60_000);
});

describe('relay killed (SIGKILL) and restarted on the same port', () => {
  it('loses nothing typed during the outage', async () => {
    const port = await freeUdpPort(); // below the ephemeral range: nobody else's port-0 socket takes it while the relay is down
    const start = async () => {
      const p = startProgram(RELAY_BIN, ['--port', String(port)]);
      await p.out.waitFor(/relay started/);
      return p;
    };
    let relay = await start();
    cleanups.push(async () => killAll());
    const alice = await session(port, 'alice', undefined, 1000);
    const bob = await session(port, 'bob', undefined, 1000);
    const b = observe(bob);
    alice.send('bob', 'one');
    await until(() => b.received.length === 1, 'the first message');
    relay.child.kill('SIGKILL'); // no bye: the clients must notice the silence
    await until(() => alice.status === 'silent', 'alice to notice the outage', 20_000);
    for (let i = 2; i <= 6; i++) alice.send('bob', `typed ${i}`);
    // And one to the group (apps/sim/test/scenarios.test.ts runs the group cases across a crash).
    alice.send('all', 'group typed');
    relay = await start();
    await until(() => b.received.length === 7, 'the messages typed during the outage', 30_000);
    expect(b.received.filter((m) => m.to === 'bob').map((m) => m.text)).toEqual(['one', 'typed 2', 'typed 3', 'typed 4', 'typed 5', 'typed 6']);
    expect(b.received.filter((m) => m.to === 'all').map((m) => m.text)).toEqual(['group typed']);
    await until(() => alice.pending === 0, 'every message to be acknowledged', 30_000);
  }, 60_000);
});

describe('/retry', () => {
  it('sends a failed message again, replacing the failed entry', async () => {
    const relay = await startRelay({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => relay.stop());
    const port = relay.address.port;
    // bob: a raw socket that registers, then ignores chats until told to ack them.
    const bob = createSocket('udp4');
    cleanups.push(async () => bob.close());
    await new Promise<void>((resolve) => bob.bind(0, '127.0.0.1', resolve));
    let acking = false;
    let token: Uint8Array | undefined;
    const got: string[] = [];
    bob.on('message', (bytes) => {
      const m = decode(bytes);
      if (m.kind === 'welcome') {
        token = m.token;
        bob.send(encode({ kind: 'list', epoch: 0, version: 0 }, { token }), port, '127.0.0.1'); // completes registration
      }
      if (m.kind !== 'chat' || !acking) return;
      got.push(m.text);
      bob.send(encode({ kind: 'ack', from: '', to: m.from, group: false, epoch: m.epoch, upTo: m.seq, ranges: [] }, { token }), port, '127.0.0.1');
    });
    bob.send(encode(paddedHello('bob')), port, '127.0.0.1');
    const alice = await ChatSession.open({ host: '127.0.0.1', port, name: 'alice', autoHost: false, delivery: { giveUpMs: 1500 } });
    cleanups.push(() => alice.close());
    const store = new ChatStore(alice, { notifyEveryMs: 5 });
    cleanups.push(async () => store.dispose());
    alice.start();
    await until(() => alice.contacts().length === 1, 'alice to see bob');
    store.submit('/to bob');
    store.submit('are you there');
    const own = () => {
      store.flush();
      return store.getSnapshot().open.entries.filter((e): e is MessageEntry => e.kind === 'message' && e.own);
    };
    await until(() => own()[0]?.delivery?.state === 'failed', 'the unacknowledged message to fail');
    expect(own()[0]?.delivery).toEqual({ state: 'failed', reason: 'no answer for 2 s' });
    acking = true;
    store.submit('/retry');
    await until(() => own()[0]?.delivery?.state === 'delivered', 'the retried message to be delivered');
    expect(got).toEqual(['are you there']);
    expect(own().map((e) => e.text)).toEqual(['are you there']); // replaced, not doubled
  }, 30_000);
});
