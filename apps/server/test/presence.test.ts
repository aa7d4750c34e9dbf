import { describe, expect, it } from 'vitest';
import type { DepartureReason } from '../src/index.js';
import { chat } from './helpers/peer.js';
import { captureLogger, peerOf, registered, testRelay } from './helpers/relay.js';
import { until } from './helpers/wait.js';

describe('presence', () => {
  it('drops a silent contact after the presence timeout and keeps one that heartbeats', async () => {
    const { logger, lines } = captureLogger();
    const left: Array<[string, DepartureReason]> = [];
    const relay = await testRelay({
      presenceTimeoutMs: 400,
      sweepIntervalMs: 50,
      logger,
      onLeave: (c, reason) => left.push([c.name, reason]),
    });
    const [alice, bob, carol] = await registered(relay, 'alice', 'bob', 'carol');
    let seq = 0;
    const beat = setInterval(() => {
      seq += 1;
      void alice!.send({ kind: 'heartbeat', seq });
      void bob!.send({ kind: 'heartbeat', seq });
    }, 80);
    try {
      expect(await bob!.next('leave', undefined, 5000)).toMatchObject({ kind: 'leave', name: 'carol', reason: 'timeout' });
      expect(await alice!.next('leave', undefined, 5000)).toMatchObject({ kind: 'leave', name: 'carol', reason: 'timeout' });
      // Stay for more than two further timeouts: alice and bob are still there.
      const from = seq;
      await until(() => seq >= from + 12, 'twelve more heartbeats', 5000);
      await alice!.next('heartbeat-ack', (m) => m.seq >= from + 11, 5000);
      expect(relay.contacts().map((c) => c.name)).toEqual(['alice', 'bob']);
      expect(alice!.pending('leave')).toEqual([]);
      expect(bob!.pending('leave')).toEqual([]);
    } finally {
      clearInterval(beat);
    }
    expect(carol!.pending('leave')).toEqual([]);
    expect(left).toEqual([['carol', 'timeout']]);
    expect(lines.find((l) => l.msg === 'contact expired')).toMatchObject({ contact: 'carol', port: carol!.port });
    // carol talking again after expiry is a stranger now.
    await carol!.send(chat('alice', 'still here?'));
    expect((await carol!.next('error')).code).toBe('NOT_REGISTERED');
  });

  it('any valid datagram from a contact counts as a sign of life', async () => {
    const relay = await testRelay({ presenceTimeoutMs: 400, sweepIntervalMs: 50 });
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const talk = setInterval(() => {
      void alice!.send(chat('bob', 'tick'));
      void bob!.send({ kind: 'heartbeat', seq: 1 });
    }, 80);
    try {
      for (let i = 0; i < 12; i++) await bob!.next('chat', undefined, 5000);
      expect(relay.contactCount).toBe(2);
      expect(bob!.pending('leave')).toEqual([]);
    } finally {
      clearInterval(talk);
    }
  });

  it('drops a contact at once on bye and tells the others', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ logger });
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await bob!.send({ kind: 'bye', reason: 'gone fishing' });
    expect(await alice!.next('leave')).toMatchObject({ kind: 'leave', name: 'bob', reason: 'bye' });
    expect(relay.contactCount).toBe(1);
    expect(lines.find((l) => l.msg === 'contact left')).toMatchObject({ contact: 'bob', port: bob!.port });
    // The name is free again.
    const again = await peerOf(relay);
    expect((await again.register('bob')).welcome.name).toBe('bob');
  });

  it('ignores a bye from an unregistered address but counts it', async () => {
    const relay = await testRelay();
    const [alice] = await registered(relay, 'alice');
    const stranger = await peerOf(relay);
    await stranger.send({ kind: 'bye', reason: '' });
    const stats = await until(() => relay.stats().ignored['bye-unregistered'] === 1 && relay.stats(), 'the bye to be counted');
    expect(stats.contacts).toBe(1);
    expect(stranger.inbox).toEqual([]);
    expect(alice!.pending('leave')).toEqual([]);
  });
});
