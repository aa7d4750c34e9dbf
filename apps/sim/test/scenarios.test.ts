/**
 * Timing-heavy scenarios on the virtual clock (issue 11: "move the rest of
 * the timing-heavy scenarios into the simulation"). Each one is a real-time
 * test of apps/client/test that waited out retransmissions, outages and
 * timeouts on real timers; here the same protocol logic (the client core and
 * the relay core) runs the same scenario in milliseconds, with the same
 * assertions, plus every invariant of the simulation. The real-socket and
 * real-process drivers keep short smoke tests there (named in each case).
 */
import { describe, expect, it } from 'vitest';
import type { ClientCore } from '#client/net/core/clientCore.js';
import type { CoreEvent } from '#client/net/core/types.js';
import { CLEAN_LINK, type LinkFaults } from '../src/bus.js';
import { checkInvariants } from '../src/invariants.js';
import type { Action, Scenario } from '../src/scenario.js';
import { World } from '../src/world.js';

/** A fixed scenario: `names` on `link` (or their own), started at once, then `actions`. */
function fixed(names: string[], actions: Action[] = [], link: LinkFaults | ((name: string) => LinkFaults) = CLEAN_LINK, seed = 7): Scenario {
  const linkOf = typeof link === 'function' ? link : () => link;
  const start: Action[] = names.map((client) => ({ at: 0, kind: 'start', client }));
  return { seed, clients: names.map((name) => ({ name, link: linkOf(name) })), relay: {}, actions: [...start, ...actions].sort((a, b) => a.at - b.at), limitMs: 600_000 };
}

/** The running core of `name`. @throws Error when it is not running. */
function coreOf(w: World, name: string): ClientCore {
  const core = w.node(name).client;
  if (!core) throw new Error(`${name} is not running`);
  return core;
}

/** Records every event `name`'s current core reports from now on (the node still gets them all). */
function tap(w: World, name: string): CoreEvent[] {
  const core = coreOf(w, name);
  const events: CoreEvent[] = [];
  const take = core.take.bind(core);
  core.take = () => {
    const taken = take();
    events.push(...taken.events);
    return taken;
  };
  return events;
}

/**
 * Keeps `names` cut off from everyone (what the lossy proxy's `cut(true)`
 * does in the real tests) while the world runs until `done()`, for at most
 * `forMs` of virtual time; the cut ends within 100 ms after.
 * @returns whether `done()` held.
 */
function cutOffUntil(w: World, names: string[], done: () => boolean, forMs: number): boolean {
  const limit = w.clock.now() + forMs;
  while (!done()) {
    if (w.clock.now() >= limit) return false;
    for (const name of names) w.bus.partition(w.node(name).address, w.clock.now() + 100);
    w.runUntil(done, 50);
  }
  return true;
}

/**
 * Runs the world on to the next whole millisecond. Jittered arrivals leave the
 * virtual clock between milliseconds, and a message's `time` field must be a
 * whole number of ms (scripted actions always run on whole ms; typing from a
 * test between steps must too).
 */
function toWholeMs(w: World): void {
  const now = w.clock.now();
  if (!Number.isInteger(now)) w.runUntil(() => false, Math.ceil(now) - now);
  expect(Number.isInteger(w.clock.now())).toBe(true);
}

/** `name` types `text` to `to` (a name or `all`), on a whole millisecond. @returns whether the core took it. */
function type(w: World, name: string, to: string, text: string): boolean {
  toWholeMs(w);
  return w.node(name).type(to, text);
}

/** Texts `viewer` showed from `sender`, in the order shown. */
const shownAt = (w: World, viewer: string, sender?: string): string[] =>
  w.records.shown.filter((s) => s.viewer === viewer && (sender === undefined || s.from === sender)).map((s) => s.text);

/** The last delivery state of the message typed as `text`. */
const finalOf = (w: World, text: string) => w.records.typed.find((t) => t.text === text)?.states.at(-1);

/**
 * Whether every one of `names` is registered and lists `others` contacts. On a
 * lossy link a lost `join` is repaired by the next contact list, up to 30 s
 * later (PROTOCOL.md "Contact list repair"): wait up to 60 s of virtual time.
 */
const registered = (w: World, names: string[], others: number) => () =>
  names.every((n) => w.node(n).client?.registration === 'registered' && w.node(n).client?.contacts().length === others);

/** The lossy proxy of apps/client/test/reliability.test.ts, as a link: 30 % loss, 10 % duplicates, 10 % reordering, each way. */
const PROXY_LOSSY: LinkFaults = { loss: 0.3, duplicate: 0.1, reorder: 0.1, delayMs: 1, jitterMs: 2, reorderMs: 20 };

describe('lossy link at volume (was reliability.test.ts "200 messages each way"; the real proxy keeps a 30-message smoke there)', () => {
  for (const seed of [7, 8, 9]) {
    it(`seed ${seed}: 200 messages each way arrive exactly once, in order, and all end delivered (30 % loss, 10 % dup, 10 % reorder)`, () => {
      const w = new World(fixed(['alice', 'bob'], [], PROXY_LOSSY, seed));
      expect(w.runUntil(registered(w, ['alice', 'bob'], 1), 60_000)).toBe(true);
      const N = 200;
      for (let i = 1; i <= N; i++) {
        expect(type(w, 'alice', 'bob', `a${i}`)).toBe(true);
        expect(type(w, 'bob', 'alice', `b${i}`)).toBe(true);
      }
      expect(w.run().quiescent).toBe(true);
      expect(checkInvariants(w.records)).toEqual([]);
      expect(shownAt(w, 'bob')).toEqual(Array.from({ length: N }, (_, i) => `a${i + 1}`));
      expect(shownAt(w, 'alice')).toEqual(Array.from({ length: N }, (_, i) => `b${i + 1}`));
      expect(w.records.typed).toHaveLength(2 * N);
      expect(w.records.typed.filter((t) => t.states.at(-1)?.state !== 'delivered')).toEqual([]);
      // The link really was lossy.
      expect(w.bus.stats.lost).toBeGreaterThan(100);
      expect(w.bus.stats.duplicated).toBeGreaterThan(20);
      expect(coreOf(w, 'alice').deliverySizes).toMatchObject({ pending: 0, held: 0 });
      expect(coreOf(w, 'bob').deliverySizes).toMatchObject({ pending: 0, held: 0 });
    });
  }
});

describe('a group message across a relay crash (was apps/client/test/restartGroup.test.ts; reliability.test.ts keeps the real SIGKILL and restart)', () => {
  it('written just after re-registering, before the others are back: reaches them when they are, and ends ✓✓ 2/2', () => {
    const w = new World(fixed(['alice', 'bob', 'carol']));
    expect(w.runUntil(registered(w, ['alice', 'bob', 'carol'], 2), 60_000)).toBe(true);
    const alice = () => coreOf(w, 'alice');
    expect(type(w, 'alice', 'all', 'before')).toBe(true);
    expect(w.runUntil(() => finalOf(w, 'before')?.state === 'delivered', 10_000)).toBe(true);

    const events = tap(w, 'alice');
    w.relay.crash(); // SIGKILL: no bye
    // bob and carol cannot reach the new relay until alice has written.
    expect(cutOffUntil(w, ['bob', 'carol'], () => alice().status === 'silent', 20_000)).toBe(true);
    w.relay.start();
    const aliceBack = () => w.relay.relay?.contacts().some((c) => c.name === 'alice') === true && alice().registration === 'registered' && alice().status === 'answering';
    expect(cutOffUntil(w, ['bob', 'carol'], aliceBack, 20_000)).toBe(true);
    expect(w.relay.relay?.contacts().map((c) => c.name)).toEqual(['alice']);
    expect(type(w, 'alice', 'all', 'after the restart')).toBe(true);

    expect(w.run().quiescent).toBe(true);
    expect(checkInvariants(w.records)).toEqual([]);
    expect(finalOf(w, 'after the restart')).toEqual({ state: 'delivered', delivered: 2, of: 2 });
    expect(shownAt(w, 'bob')).toEqual(['before', 'after the restart']);
    expect(shownAt(w, 'carol')).toEqual(['before', 'after the restart']);
    // They never left: coming back after the restart is no leave and no join.
    expect(alice().contacts().map((c) => c.name)).toEqual(['bob', 'carol']);
    expect(events.filter((e) => e.type === 'join' || e.type === 'leave')).toEqual([]);
  });

  it('relay-acked but not delivered before the crash: retransmitted to the new relay and delivered once', () => {
    const w = new World(fixed(['alice', 'bob']));
    expect(w.runUntil(registered(w, ['alice', 'bob'], 1), 60_000)).toBe(true);
    const alice = () => coreOf(w, 'alice');
    const states = () => w.records.typed.find((t) => t.text === 'in flight')?.states.map((s) => s.state) ?? [];
    // The relay forwards it to bob, but bob does not get it.
    w.bus.partition(w.node('bob').address, w.clock.now() + 100);
    expect(type(w, 'alice', 'all', 'in flight')).toBe(true);
    expect(cutOffUntil(w, ['bob'], () => states().includes('at-relay'), 10_000)).toBe(true);
    w.relay.crash();
    expect(cutOffUntil(w, ['bob'], () => alice().status === 'silent', 20_000)).toBe(true);
    w.relay.start();
    expect(cutOffUntil(w, ['bob'], () => alice().registration === 'registered' && alice().status === 'answering', 20_000)).toBe(true);
    expect(shownAt(w, 'bob')).toEqual([]);

    expect(w.run().quiescent).toBe(true);
    expect(checkInvariants(w.records)).toEqual([]);
    expect(w.relay.lives).toBe(2);
    expect(finalOf(w, 'in flight')).toEqual({ state: 'delivered', delivered: 1, of: 1 });
    expect(shownAt(w, 'bob')).toEqual(['in flight']);
  });
});

describe('a relay restart on a lossy link (reliability.test.ts "relay restart", at volume and with loss)', () => {
  it('messages typed while the relay is down (graceful bye, then a crash) arrive after it is back, once each, in order', () => {
    const lossy: LinkFaults = { loss: 0.2, duplicate: 0.05, reorder: 0.1, delayMs: 2, jitterMs: 5, reorderMs: 30 };
    const w = new World(fixed(['alice', 'bob'], [], lossy));
    expect(w.runUntil(registered(w, ['alice', 'bob'], 1), 60_000)).toBe(true);
    const both = (s: string) => () => coreOf(w, 'alice').status === s && coreOf(w, 'bob').status === s;
    expect(type(w, 'alice', 'bob', 'before')).toBe(true);
    expect(w.runUntil(() => finalOf(w, 'before')?.state === 'delivered', 20_000)).toBe(true);
    w.relay.stopGracefully();
    expect(w.runUntil(both('silent'), 20_000)).toBe(true);
    const during = Array.from({ length: 50 }, (_, i) => `during ${i + 1}`);
    for (const text of during) expect(type(w, 'alice', 'bob', text)).toBe(true);
    expect(type(w, 'alice', 'all', 'group during')).toBe(true);
    expect(coreOf(w, 'alice').pending).toBe(51);
    w.relay.start();
    expect(w.runUntil(() => shownAt(w, 'bob').length >= 30, 60_000)).toBe(true);
    w.relay.crash(); // and once more, without a word, in the middle of the catch-up
    w.relay.start();
    expect(w.run().quiescent).toBe(true);
    expect(checkInvariants(w.records)).toEqual([]);
    // In order within each conversation (direct, and the group's: each has its own seqs, PROTOCOL.md §5).
    const atBob = w.records.shown.filter((x) => x.viewer === 'bob');
    expect(atBob.filter((x) => x.to === 'bob').map((x) => x.text)).toEqual(['before', ...during]);
    expect(atBob.filter((x) => x.to === 'all').map((x) => x.text)).toEqual(['group during']);
    expect(w.records.typed.filter((t) => t.states.at(-1)?.state !== 'delivered')).toEqual([]);
  });
});

describe('presence (the 15 s presence timeout that apps/client/test/e2e.test.ts waits out once in a real terminal)', () => {
  it('a client that quits is gone at once (bye); one that crashes is reported left for no heartbeat after the presence timeout, and the group chat goes on', () => {
    const w = new World(fixed(['alice', 'bob', 'carol']));
    expect(w.runUntil(registered(w, ['alice', 'bob', 'carol'], 2), 60_000)).toBe(true);
    const leavesAt = (viewer: string) => w.records.leaves.filter((l) => l.viewer === viewer).map((l) => `${l.name} ${l.reason}`);
    w.node('bob').close();
    expect(w.runUntil(() => leavesAt('alice').length === 1, 1000)).toBe(true);
    expect(leavesAt('alice')).toEqual(['bob bye']);
    const crashedAt = w.clock.elapsed();
    w.node('carol').crash();
    expect(w.runUntil(() => leavesAt('alice').length === 2, 30_000)).toBe(true);
    expect(leavesAt('alice')).toEqual(['bob bye', 'carol timeout']);
    const after = (w.records.leaves.at(-1)?.at ?? 0) - crashedAt;
    expect(after).toBeGreaterThanOrEqual(15_000); // not before the presence timeout
    expect(after).toBeLessThanOrEqual(15_000 + 5000 + 1000); // within a heartbeat interval and a sweep after it
    expect(coreOf(w, 'alice').contacts()).toEqual([]);
    expect(type(w, 'alice', 'all', 'anyone?')).toBe(true);
    expect(w.run().quiescent).toBe(true);
    expect(checkInvariants(w.records)).toEqual([]);
    expect(finalOf(w, 'anyone?')?.state).toBe('at-relay'); // nobody to ack: final at the relay
  });
});
