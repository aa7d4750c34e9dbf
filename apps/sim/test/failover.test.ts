/**
 * Client fail-over on the virtual clock (issue 14): two independent relays,
 * every client given both (`--server a,b`); the first one crashes (kill -9:
 * no bye) or says bye while bob writes a burst to alice. The clients move to
 * the second relay with their name and outbox, and every message arrives
 * exactly once, in order (the recipient's dedupe makes the retransmissions
 * to the new relay harmless). Real sockets: apps/client/test/failover.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ClientCore } from '#client/net/core/clientCore.js';
import { MAX_MOVE_BACKOFF_MS } from '#client/net/core/failover.js';
import { SIM_EPOCH_MS } from '../src/clock.js';
import { CLEAN_LINK, type LinkFaults } from '../src/bus.js';
import { checkInvariants } from '../src/invariants.js';
import type { Action, Scenario } from '../src/scenario.js';
import { World } from '../src/world.js';

const NAMES = ['alice', 'bob', 'carol'];

/** `names` on `link`, started at once, with `relays` independent relays, then `actions`. */
function twoRelays(link: LinkFaults = CLEAN_LINK, seed = 7, relays = 2, actions: Action[] = []): Scenario {
  const start: Action[] = NAMES.map((client) => ({ at: 0, kind: 'start', client }));
  return { seed, clients: NAMES.map((name) => ({ name, link })), relay: {}, relays, actions: [...start, ...actions], limitMs: 600_000 };
}

function coreOf(w: World, name: string): ClientCore {
  const core = w.node(name).client;
  if (!core) throw new Error(`${name} is not running`);
  return core;
}

const allOn = (w: World, server: number) => () => NAMES.every((n) => w.node(n).client?.registration === 'registered' && w.node(n).client?.server === server && w.node(n).client?.contacts().length === NAMES.length - 1);
const shownAt = (w: World, viewer: string): string[] => w.records.shown.filter((s) => s.viewer === viewer).map((s) => s.text);
const texts = (n: number) => Array.from({ length: n }, (_, i) => `b${i + 1}`);

/** bob writes `n` messages to alice, one per ms of virtual time (a `/burst`), the world running between them. */
function burst(w: World, n: number, during: (i: number) => void = () => undefined): void {
  for (let i = 1; i <= n; i++) {
    w.runUntil(() => false, 1);
    const now = w.clock.now(); // jittered arrivals leave the clock between ms; a message's time is whole ms
    if (!Number.isInteger(now)) w.runUntil(() => false, Math.ceil(now) - now);
    expect(w.node('bob').type('alice', `b${i}`)).toBe(true);
    during(i);
  }
}

describe('fail-over between two independent relays (sim)', () => {
  for (const [seed, link] of [
    [7, CLEAN_LINK],
    [8, { loss: 0.2, duplicate: 0.05, reorder: 0.1, delayMs: 2, jitterMs: 5, reorderMs: 30 }],
    [9, { loss: 0.2, duplicate: 0.05, reorder: 0.1, delayMs: 2, jitterMs: 5, reorderMs: 30 }],
  ] as const) {
    it(`seed ${seed}${link.loss ? ' (20 % loss)' : ''}: relay 1 killed during a burst of 100 → all move to relay 2 within 5 s; alice shows 100 of 100 once, in order`, () => {
      const w = new World(twoRelays(CLEAN_LINK, seed));
      expect(w.runUntil(allOn(w, 0), 60_000)).toBe(true);
      // The loss starts once all are on the first relay (independent relays: one that moved alone would be alone there).
      for (const name of NAMES) w.bus.setLink(w.node(name).address, link);
      let crashedAt = 0;
      burst(w, 100, (i) => {
        if (i === 40) {
          w.relayOf(0).crash(); // kill -9: no bye, its table is gone
          crashedAt = w.clock.elapsed();
        }
      });
      expect(w.runUntil(allOn(w, 1), 30_000)).toBe(true);
      expect(w.run().quiescent).toBe(true);
      expect(checkInvariants(w.records)).toEqual([]);
      expect(shownAt(w, 'alice')).toEqual(texts(100));
      expect(w.records.typed.filter((t) => t.states.at(-1)?.state !== 'delivered')).toEqual([]);
      // Each moved once, to the second relay, within 5 s of the crash (the liveness window is 2.5 s).
      for (const name of NAMES) {
        const moves = w.records.moves.filter((m) => m.name === name);
        expect(moves.map((m) => [m.from, m.to, m.reason])).toEqual([['127.0.0.1:8081', '127.0.0.1:8082', '127.0.0.1:8081 stopped answering']]);
      }
      const bobMoved = w.records.moves.find((m) => m.name === 'bob')?.at ?? Infinity;
      expect(bobMoved - crashedAt).toBeLessThan(5000);
      // The contact list was kept: nobody was shown leaving.
      expect(w.records.leaves).toEqual([]);
      expect(coreOf(w, 'carol').contacts().map((c) => c.name)).toEqual(['alice', 'bob']);
    });
  }

  it('a relay that says bye: its clients move at once, and nothing is lost or shown twice', () => {
    const w = new World(twoRelays());
    expect(w.runUntil(allOn(w, 0), 60_000)).toBe(true);
    let byeAt = 0;
    burst(w, 50, (i) => {
      if (i === 20) {
        w.relayOf(0).stopGracefully();
        byeAt = w.clock.elapsed();
      }
    });
    expect(w.run().quiescent).toBe(true);
    expect(checkInvariants(w.records)).toEqual([]);
    expect(shownAt(w, 'alice')).toEqual(texts(50));
    for (const name of NAMES) {
      const [move, ...more] = w.records.moves.filter((m) => m.name === name);
      expect(more).toEqual([]);
      expect(move?.reason).toBe('127.0.0.1:8081 said bye: relay restarting');
      expect((move?.at ?? Infinity) - byeAt).toBeLessThan(100); // the bye's own transit, no silence window
    }
  });

  it('an idle client moves at its next heartbeat: within the heartbeat interval plus the liveness window', () => {
    const w = new World(twoRelays());
    expect(w.runUntil(allOn(w, 0), 60_000)).toBe(true);
    w.runUntil(() => false, 1234);
    const crashedAt = w.clock.elapsed();
    w.relayOf(0).crash();
    expect(w.runUntil(allOn(w, 1), 30_000)).toBe(true);
    const heartbeatMs = 5000; // what the simulated relay tells its clients
    for (const name of NAMES) {
      const moved = w.records.moves.find((m) => m.name === name)?.at ?? Infinity;
      expect(moved - crashedAt).toBeLessThanOrEqual(heartbeatMs + 2500 + 100);
    }
    expect(w.records.leaves).toEqual([]);
  });

  it('all relays silent: keeps cycling, each round waiting longer (capped), and registers once one is back', () => {
    const w = new World(twoRelays());
    expect(w.runUntil(allOn(w, 0), 60_000)).toBe(true);
    w.relayOf(0).crash();
    w.relayOf(1).crash();
    w.runUntil(() => false, 120_000);
    const moves = w.records.moves.filter((m) => m.name === 'alice');
    expect(moves.length).toBeGreaterThan(6);
    // Round robin.
    expect(moves.slice(0, 4).map((m) => m.to)).toEqual(['127.0.0.1:8082', '127.0.0.1:8081', '127.0.0.1:8082', '127.0.0.1:8081']);
    const gaps = moves.slice(1).map((m, i) => m.at - (moves[i]?.at ?? 0));
    // The first round moves after the liveness window; later ones back off, never past the cap (+ hello spacing).
    expect(gaps[0]).toBeLessThan(4000);
    expect(Math.max(...gaps)).toBeGreaterThan(8000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2500 + MAX_MOVE_BACKOFF_MS + 1100);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i] ?? 0).toBeGreaterThanOrEqual((gaps[i - 1] ?? 0) - 1100);
    w.relayOf(1).start();
    expect(w.runUntil(allOn(w, 1), 60_000)).toBe(true);
    expect(w.clock.now() - SIM_EPOCH_MS).toBeGreaterThan(120_000);
  });

  it('one relay: a crash moves nobody (today behaviour: it waits for the relay to come back)', () => {
    const w = new World(twoRelays(CLEAN_LINK, 7, 1));
    expect(w.runUntil(allOn(w, 0), 60_000)).toBe(true);
    w.relayOf(0).crash();
    expect(w.runUntil(() => coreOf(w, 'alice').status === 'silent', 30_000)).toBe(true);
    w.runUntil(() => false, 10_000);
    w.relayOf(0).start();
    expect(w.runUntil(allOn(w, 0), 30_000)).toBe(true);
    expect(w.records.moves).toEqual([]);
  });
});
