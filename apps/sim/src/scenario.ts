/**
 * Scenarios: what happens in one run, drawn from one seed. 2–5 clients on
 * links with their own loss (0–30 %), duplication, reordering and jitter;
 * hundreds of messages, direct and to `all`, typed at random times (some in
 * bursts); and trouble at random times: the relay crashing and coming back,
 * restarting gracefully, a client leaving mid-conversation, one crashing
 * (and maybe restarting), partitions that cut a client off for a while.
 */
import type { LinkFaults } from './bus.js';
import { Random } from './random.js';
import type { SimRelayOptions } from './relay.js';

/** One thing that happens, at `at` ms after the run's start. */
export type Action =
  | { at: number; kind: 'start' | 'close' | 'crash' | 'restart'; client: string }
  | { at: number; kind: 'type'; client: string; to: string; text: string }
  | { at: number; kind: 'rename'; client: string; name: string }
  | { at: number; kind: 'partition'; client: string; forMs: number }
  /** `relay`: which relay of the world (default 0, the first). */
  | { at: number; kind: 'relay-crash' | 'relay-start' | 'relay-bye'; relay?: number };

/** One client of a scenario: its name and its link to the relay. */
export interface ClientPlan {
  name: string;
  link: LinkFaults;
  /** Its inbox hold timeout, ms (InboxOptions.holdMs; the client's default is 30 000): short ones make gaps skip. */
  holdMs?: number;
}

/** A whole run: who, on which links, doing what when. */
export interface Scenario {
  seed: number;
  clients: ClientPlan[];
  relay: SimRelayOptions;
  /** How many independent relays (default 1); with several, every client is given all of them (fail-over, client core failover.ts). */
  relays?: number;
  /** Sorted by `at`. */
  actions: Action[];
  /** The run stops this long after its start at the latest, ms (quiescence usually comes first). */
  limitMs: number;
}

/** How big generated scenarios are. */
export interface ScenarioSize {
  /** Fewest and most messages typed in all. */
  messages: [number, number];
}

/** The default size: hundreds of messages. */
export const DEFAULT_SIZE: ScenarioSize = { messages: [100, 300] };

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin'];
/** Well past the 30 s give-up and the 15 s presence timeout: everything is final by then, or never will be. */
const SETTLE_LIMIT_MS = 120_000;

/** Draws a link's faults: loss 0–30 %, duplication 0–10 %, reordering 0–20 %, delay 1–30 ms plus jitter. */
export function randomLink(r: Random): LinkFaults {
  const calm = r.chance(0.2);
  return {
    loss: calm ? 0 : r.between(0, 0.3),
    duplicate: calm ? 0 : r.between(0, 0.1),
    reorder: calm ? 0 : r.between(0, 0.2),
    delayMs: r.int(1, 30),
    jitterMs: r.int(0, 40),
    reorderMs: r.int(10, 200),
  };
}

/** The scenario of `seed` (the same seed always gives the same scenario). */
export function generateScenario(seed: number, size: ScenarioSize = DEFAULT_SIZE): Scenario {
  const r = new Random(seed);
  const links = r.fork();
  const n = r.int(2, 5);
  const names = NAMES.slice(0, n);
  const shortHold = r.chance(0.3); // then gaps are skipped by the hold timeout, and late messages come
  const clients = names.map((name) => ({ name, link: randomLink(links), holdMs: shortHold ? r.int(300, 3000) : 30_000 }));
  const actions: Action[] = names.map((client) => ({ at: r.int(0, 2000), kind: 'start', client }));

  const count = r.int(size.messages[0], size.messages[1]);
  const span = count * r.int(20, 150); // mean gap 20–150 ms: bursts to a steady chat
  const begin = 2500;
  const end = begin + span;
  for (let i = 0; i < count; i++) {
    const client = r.pick(names);
    const others = names.filter((x) => x !== client);
    const to = r.chance(0.5) ? 'all' : r.pick(others);
    // A third of them in bursts (several at the same instant, like a paste).
    const at = i > 0 && r.chance(0.3) ? (actions[actions.length - 1] as Action).at : r.int(begin, end);
    actions.push({ at, kind: 'type', client, to, text: `m${i} ${client}>${to}` });
  }
  const during = (): number => r.int(begin, end);
  const victims = [...names];
  const takeVictim = (): string | null => (victims.length > 1 ? (victims.splice(r.int(0, victims.length - 1), 1)[0] as string) : null);

  if (r.chance(0.6)) {
    const at = during();
    actions.push({ at, kind: 'relay-crash' }, { at: at + r.int(200, 8000), kind: 'relay-start' });
  }
  if (r.chance(0.3)) {
    const at = during();
    actions.push({ at, kind: 'relay-bye' }, { at: at + r.int(0, 3000), kind: 'relay-start' });
  }
  if (r.chance(0.5)) {
    const leaver = takeVictim();
    if (leaver) actions.push({ at: during(), kind: 'close', client: leaver });
  }
  if (r.chance(0.5)) {
    const crasher = takeVictim();
    if (crasher) {
      const at = during();
      actions.push({ at, kind: 'crash', client: crasher });
      if (r.chance(0.8)) actions.push({ at: at + r.int(0, 20_000), kind: 'restart', client: crasher });
    }
  }
  for (let k = r.int(0, 2); k > 0; k--) actions.push({ at: during(), kind: 'partition', client: r.pick(names), forMs: r.int(300, 6000) });

  actions.sort((a, b) => a.at - b.at);
  const last = (actions[actions.length - 1] as Action).at;
  return { seed, clients, relay: { rateLimit: r.chance(0.5) ? 0 : 200 }, actions, limitMs: last + SETTLE_LIMIT_MS };
}

/** A one-line description: clients and their loss, messages, trouble. */
export function describeScenario(s: Scenario): string {
  const typed = s.actions.filter((a) => a.kind === 'type').length;
  const trouble = s.actions.filter((a) => a.kind !== 'type' && a.kind !== 'start').map((a) => `${a.kind}${'client' in a ? ` ${a.client}` : ''}@${(a.at / 1000).toFixed(1)}s`);
  const clients = s.clients.map((c) => `${c.name} (loss ${(c.link.loss * 100).toFixed(0)}%, dup ${(c.link.duplicate * 100).toFixed(0)}%, reorder ${(c.link.reorder * 100).toFixed(0)}%)`);
  return `seed ${s.seed}: ${clients.join(', ')}; ${typed} messages; relay rate limit ${s.relay.rateLimit ?? 200}; ${trouble.length > 0 ? trouble.join(', ') : 'no trouble'}`;
}
