/**
 * Group messages across a relay crash (issue 10, item 2): every message ends
 * delivered or visibly failed, never stuck at the relay. A real relay process
 * is killed with SIGKILL (no bye) and started again on the same port; bob and
 * carol sit behind a proxy whose link is cut, so that they come back only
 * after alice has re-registered and written to the group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@udpchat/protocol';
import type { DeliveryState } from '../src/net/delivery/states.js';
import { ChatSession } from '../src/net/session.js';
import { startLossyProxy } from './helpers/lossyProxy.js';
import { freeUdpPort } from './helpers/ports.js';
import { killAll, RELAY_BIN, startProgram, type Program } from './helpers/processes.js';
import { until } from './helpers/wait.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
  killAll();
});

async function relayOn(port: number): Promise<Program> {
  const p = startProgram(RELAY_BIN, ['--port', String(port)]);
  await p.out.waitFor(/relay started/);
  return p;
}

async function session(port: number, name: string): Promise<ChatSession> {
  const s = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: false });
  cleanups.push(() => s.close());
  s.start();
  await until(() => s.registration === 'registered', `${name} to register`, 20_000);
  return s;
}

function received(s: ChatSession): string[] {
  const texts: string[] = [];
  s.on('chat', (m: ChatMessage) => texts.push(m.text));
  return texts;
}

function finals(s: ChatSession): Map<string, DeliveryState> {
  const final = new Map<string, DeliveryState>();
  s.on('delivery', (m, d) => {
    if (d.state === 'delivered' || d.state === 'failed' || (d.state === 'at-relay' && d.final)) final.set(m.text, d);
  });
  return final;
}

describe('a group message across a relay crash', () => {
  it('written just after re-registering, before the others are back: reaches them when they are, and ends ✓✓ 2/2', async () => {
    const port = await freeUdpPort();
    let relay = await relayOn(port);
    const proxy = await startLossyProxy({ target: { address: '127.0.0.1', port } });
    cleanups.push(() => proxy.close());
    const alice = await session(port, 'alice');
    const bob = await session(proxy.address.port, 'bob');
    const carol = await session(proxy.address.port, 'carol');
    await until(() => alice.contacts().length === 2, 'alice to see bob and carol');
    const atBob = received(bob);
    const atCarol = received(carol);
    const final = finals(alice);
    alice.send('all', 'before');
    await until(() => final.get('before')?.state === 'delivered', '"before" to be delivered');

    const presence: string[] = [];
    alice.on('join', (c) => presence.push(`join ${c.name}`));
    alice.on('leave', (name) => presence.push(`leave ${name}`));
    relay.child.kill('SIGKILL');
    proxy.cut(true); // bob and carol cannot reach the new relay until alice has written
    await until(() => alice.status === 'silent', 'alice to notice the outage', 20_000);
    relay = await relayOn(port);
    await until(() => alice.registration === 'registered' && alice.status === 'answering', 'alice to re-register', 20_000);
    alice.send('all', 'after the restart');
    proxy.cut(false);

    await until(() => atBob.includes('after the restart') && atCarol.includes('after the restart'), 'bob and carol to get it', 30_000);
    await until(() => final.has('after the restart'), 'its final state', 30_000);
    expect(final.get('after the restart')).toEqual({ state: 'delivered', delivered: 2, of: 2 });
    expect(atBob).toEqual(['before', 'after the restart']);
    expect(atCarol).toEqual(['before', 'after the restart']);
    // They never left: coming back after the restart is no leave and no join.
    expect(alice.contacts().map((c) => c.name)).toEqual(['bob', 'carol']);
    expect(presence).toEqual([]);
  }, 90_000);

  it('relay-acked but not delivered before the crash: retransmitted to the new relay and delivered once', async () => {
    const port = await freeUdpPort();
    let relay = await relayOn(port);
    const proxy = await startLossyProxy({ target: { address: '127.0.0.1', port } });
    cleanups.push(() => proxy.close());
    const alice = await session(port, 'alice');
    const bob = await session(proxy.address.port, 'bob');
    await until(() => alice.contacts().length === 1, 'alice to see bob');
    const atBob = received(bob);
    const final = finals(alice);
    const states: string[] = [];
    alice.on('delivery', (m, d) => {
      if (m.text === 'in flight') states.push(d.state);
    });
    proxy.cut(true); // the relay forwards it to bob, but bob does not get it
    alice.send('all', 'in flight');
    await until(() => states.includes('at-relay'), 'the relay to acknowledge it');
    relay.child.kill('SIGKILL');
    await until(() => alice.status === 'silent', 'alice to notice the outage', 20_000);
    relay = await relayOn(port);
    await until(() => alice.registration === 'registered' && alice.status === 'answering', 'alice to re-register', 20_000);
    proxy.cut(false);
    await until(() => final.has('in flight'), 'its final state', 40_000);
    expect(final.get('in flight')).toEqual({ state: 'delivered', delivered: 1, of: 1 });
    expect(atBob).toEqual(['in flight']);
  }, 90_000);
});
