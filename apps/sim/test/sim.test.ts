/**
 * The deterministic simulation inside the normal test run: a thousand seeds
 * of the full scenario (clients, loss, duplication, reordering, partitions,
 * relay crashes and graceful restarts, a client quitting, one crashing and
 * restarting) must keep every invariant, plus the regression scenarios of
 * issue 10 as fixed-shape runs. A failing seed is printed; replay it alone
 * with `pnpm sim --seed N`.
 */
import { describe, expect, it } from 'vitest';
import { CLEAN_LINK, type LinkFaults } from '../src/bus.js';
import { checkInvariants } from '../src/invariants.js';
import { runScenario, runSeed } from '../src/run.js';
import type { Action, Scenario } from '../src/scenario.js';
import { World } from '../src/world.js';

/** Seeds run in `pnpm test`; smaller scenarios than the CLI's default, so that they take ~10–30 s on 2 busy cores. */
const SEEDS = 1000;
const TEST_SIZE = { messages: [30, 100] as [number, number] };

/**
 * Seeds that fail today, each for a known bug not fixed yet (reported to the
 * lead with the seeds). The test fails on any other failing seed, and also
 * when one of these passes: remove it then (the list cannot go stale).
 */
const KNOWN_FAILURES: Record<string, number[]> = {
  /**
   * A client restarts under the same name and numbers its conversations from
   * 1 again while a receiver still holds the old conversation (it never saw
   * the leave, e.g. the relay crashed first). When the new life's first
   * message to arrive has a seq at or above where the old one stopped, the
   * receiver takes it for the old conversation (Inbox tells a new life only by
   * a new id at a seq it already has): shown out of order, or acked and never
   * shown. A real fix needs the conversation's identity on the wire (an
   * epoch, or a random first seq).
   */
  'restarted sender taken for its old conversation': [103, 600, 625, 768, 876],
  /**
   * Group delivery counts acks, not who acked (Outbox.checkDelivered): after a
   * relay restart or a recipient's restart, acks of others (one whose join the
   * sender missed, a restarted recipient) stand in for a recipient the sender
   * waits for, so the message ends "delivered k of k" and `base` moves past it
   * while that recipient, online all along, never got it.
   *
   * (The seeds changed with presence by version, issue 12: no periodic list,
   * repair by heartbeat-ack version and gaps, 10 s heartbeats; 26 seeds
   * instead of 36, every one this same violation.)
   */
  'group delivered by count while a known recipient never got it': [80, 82, 116, 123, 161, 204, 248, 306, 308, 322, 369, 382, 408, 495, 547, 563, 593, 618, 621, 634, 658, 682, 820, 832, 950, 994],
};

describe('simulation: random scenarios', () => {
  it(`keeps every invariant over ${SEEDS} seeds`, { timeout: 180_000 }, () => {
    const known = new Set(Object.values(KNOWN_FAILURES).flat());
    const failed: string[] = [];
    const knownFailed: number[] = [];
    let quiet = 0;
    let shown = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runSeed(seed, TEST_SIZE);
      if (r.quiescent) quiet++;
      shown += r.world.records.shown.length;
      if (r.violations.length === 0) continue;
      if (known.has(seed)) knownFailed.push(seed);
      else failed.push(`seed ${seed}: ${r.violations[0]} (pnpm sim --seed ${seed} --messages 30-100)`);
    }
    if (failed.length > 0) console.log(`${failed.length} of ${SEEDS} seeds failed:\n${failed.slice(0, 30).join('\n')}`);
    expect(failed).toEqual([]);
    expect(knownFailed).toEqual([...known].sort((a, b) => a - b));
    expect(quiet).toBe(SEEDS);
    expect(shown).toBeGreaterThan(SEEDS * 30); // the runs did chat
  });

  it('replays a seed exactly (one seed drives the whole run)', () => {
    const a = runSeed(4242, TEST_SIZE);
    const b = runSeed(4242, TEST_SIZE);
    const summary = (r: typeof a) => ({
      trace: r.world.records.trace,
      bus: r.world.bus.stats,
      end: r.world.clock.elapsed(),
      shown: r.world.records.shown.map((s) => `${s.viewer}#${s.incarnation} ${s.text} ${s.at}`),
      states: r.world.records.typed.map((t) => JSON.stringify(t.states)),
    });
    expect(summary(b)).toEqual(summary(a));
  });
});

/** A fixed scenario: `names` on `link`, started at once, then `actions`. */
function fixed(names: string[], actions: Action[], link: LinkFaults = CLEAN_LINK): Scenario {
  const start: Action[] = names.map((client) => ({ at: 0, kind: 'start', client }));
  return { seed: 7, clients: names.map((name) => ({ name, link })), relay: {}, actions: [...start, ...actions].sort((a, b) => a.at - b.at), limitMs: 180_000 };
}

const LOSSY: LinkFaults = { loss: 0.2, duplicate: 0.05, reorder: 0.1, delayMs: 5, jitterMs: 20, reorderMs: 100 };

describe('simulation: issue 10 regressions', () => {
  it('(a) /to NAME: a direct message is shown to NAME only, even typed before the contact list came', () => {
    const actions: Action[] = [];
    for (let i = 0; i < 40; i++) {
      // The first five before anyone has the contact list, the rest once bob is surely in.
      actions.push({ at: i < 5 ? i * 30 : 3000 + i * 37, kind: 'type', client: 'alice', to: 'bob', text: `for bob only ${i}` });
      actions.push({ at: i * 41 + 5, kind: 'type', client: 'carol', to: 'alice', text: `for alice only ${i}` });
    }
    const r = runScenario(fixed(['alice', 'bob', 'carol', 'dave'], actions, LOSSY));
    expect(r.violations).toEqual([]);
    const forBob = r.world.records.shown.filter((s) => s.text.startsWith('for bob only'));
    // Those typed before bob registered fail (UNKNOWN_CONTACT); the rest reach bob, and only bob.
    const delivered = r.world.records.typed.filter((t) => t.to === 'bob' && t.states.at(-1)?.state === 'delivered');
    expect(delivered.length).toBeGreaterThan(30);
    expect(forBob.length).toBeGreaterThanOrEqual(delivered.length);
    expect(new Set(forBob.map((s) => s.viewer))).toEqual(new Set(['bob']));
    const forAlice = r.world.records.shown.filter((s) => s.text.startsWith('for alice only'));
    expect(new Set(forAlice.map((s) => s.viewer))).toEqual(new Set(['alice']));
  });

  it('(b) a group message written right after re-registering after a relay crash, the others not back yet, ends delivered at each', () => {
    const w = new World(fixed(['alice', 'bob', 'carol'], []));
    const relayKnowsAll = () => (w.relay.relay?.contacts().length ?? 0) === 3;
    expect(w.runUntil(relayKnowsAll, 10_000)).toBe(true);
    w.runUntil(() => false, 1000); // everyone has the contact list
    // bob and carol are cut off while the relay crashes and comes back: alice re-registers first.
    for (const name of ['bob', 'carol']) w.bus.partition(w.node(name).address, w.clock.now() + 9000);
    w.relay.crash();
    w.relay.start();
    // Back, and the new contact list came: it shows nobody else.
    const alice = () => w.node('alice').client;
    const aliceBack = () => w.relay.relay?.contacts().some((c) => c.name === 'alice') === true && alice()?.registration === 'registered' && alice()?.contacts().length === 0;
    expect(w.runUntil(aliceBack, 8000)).toBe(true);
    expect(w.relay.relay?.contacts().map((c) => c.name)).toEqual(['alice']);
    expect(w.node('alice').type('all', 'hello again, all')).toBe(true);
    expect(w.run().quiescent).toBe(true);
    expect(checkInvariants(w.records)).toEqual([]);
    const typed = w.records.typed.find((t) => t.text === 'hello again, all');
    expect(typed?.states.at(-1)).toEqual({ state: 'delivered', delivered: 2, of: 2 });
    const viewers = w.records.shown.filter((s) => s.text === 'hello again, all').map((s) => s.viewer);
    expect(viewers.sort()).toEqual(['bob', 'carol']);
  });

  it('(c) a refused rename keeps the session: the others see no leave, chat goes on', () => {
    const r = runScenario(
      fixed(['alice', 'bob', 'carol'], [
        { at: 3000, kind: 'rename', client: 'carol', name: 'bob' },
        { at: 6000, kind: 'type', client: 'carol', to: 'alice', text: 'still carol' },
        { at: 6000, kind: 'type', client: 'alice', to: 'carol', text: 'hi carol' },
      ]),
    );
    expect(r.violations).toEqual([]);
    expect(r.world.records.relayErrors.get('NAME_TAKEN')).toBeGreaterThanOrEqual(1);
    expect(r.world.records.leaves).toEqual([]);
    expect(r.world.node('carol').client?.name).toBe('carol');
    expect(r.world.node('carol').client?.registration).toBe('registered');
    const states = (text: string) => r.world.records.typed.find((t) => t.text === text)?.states.at(-1)?.state;
    expect(states('still carol')).toBe('delivered');
    expect(states('hi carol')).toBe('delivered');
  });
});
