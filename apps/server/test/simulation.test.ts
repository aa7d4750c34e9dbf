/**
 * The relay's `simulate` option (the LossSimulator itself is tested in
 * packages/net/test/lossSimulator.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { startRelay } from '../src/index.js';
import { captureLogger, peerOf, testRelay } from './helpers/relay.js';
import { until } from './helpers/wait.js';

describe('a relay simulating an unreliable network', () => {
  it('with loss 1 answers nothing to a hello; its simulator counts the drops, its stats see nothing', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ simulate: { loss: 1, seed: 3 }, logger });
    expect(relay.simulation).toBe('simulating loss 100%, duplicate 0%, reorder 0% (seed 3)');
    expect(lines.find((l) => l.msg === 'relay started')).toMatchObject({
      simulate: { loss: 1, duplicate: 0, reorder: 0, seed: 3 },
    });
    expect(lines.find((l) => l.msg === 'simulating an unreliable network')).toMatchObject({
      level: 40,
      simulation: 'simulating loss 100%, duplicate 0%, reorder 0% (seed 3)',
    });
    const peer = await peerOf(relay);
    for (let i = 1; i <= 3; i++) {
      await peer.hello('alice');
      await until(() => relay.simulationStats()?.dropped === i, `simulated drop ${i}`);
    }
    // The relay handles a datagram synchronously on arrival: a reply would have been sent by now.
    expect(relay.simulationStats()).toEqual({ received: 3, dropped: 3, duplicated: 0, reordered: 0 });
    expect(relay.stats()).toMatchObject({ datagramsIn: 0, datagramsOut: 0, accepted: 0, contacts: 0 });
    expect(relay.contacts()).toEqual([]);
    expect(peer.inbox).toEqual([]);
    await relay.stop();
    expect(lines.find((l) => l.msg === 'relay stopped')).toMatchObject({ simulated: { received: 3, dropped: 3 } });
  });

  it('with duplicate 1 handles every datagram twice', async () => {
    const relay = await testRelay({ simulate: { duplicate: 1 } });
    const peer = await peerOf(relay);
    await peer.hello('bob');
    const first = await peer.next('welcome');
    const second = await peer.next('welcome');
    expect(second.token).toEqual(first.token); // a repeated hello while pending: the same token
    expect(relay.simulationStats()).toMatchObject({ received: 1, dropped: 0, duplicated: 1 });
    await until(() => relay.stats().datagramsIn === 2, 'both copies counted');
  });

  it('without rates simulates nothing and says nothing about it', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ simulate: { loss: 0, seed: 4 }, logger });
    expect(relay.simulation).toBeNull();
    expect(relay.simulationStats()).toBeNull();
    expect(lines.find((l) => l.msg === 'relay started')).not.toHaveProperty('simulate');
    expect(lines.some((l) => l.msg === 'simulating an unreliable network')).toBe(false);
    const peer = await peerOf(relay);
    await peer.hello('carol');
    expect(await peer.next('welcome')).toMatchObject({ kind: 'welcome' });
  });

  it('refuses bad simulate options before binding', async () => {
    await expect(startRelay({ host: '127.0.0.1', port: 0, simulate: { loss: 2 } })).rejects.toThrow(RangeError);
    await expect(startRelay({ host: '127.0.0.1', port: 0, simulate: { seed: -1 } })).rejects.toThrow(
      'simulate.seed must be a whole number',
    );
  });
});
