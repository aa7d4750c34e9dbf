/**
 * One simulated world: the virtual clock, the bus, the relay and the client
 * nodes, and the loop that moves time. `step()` jumps the clock to the next
 * thing that happens — the next scripted action, the next datagram's
 * arrival, the relay's next sweep or a core's next deadline — and runs
 * everything due then. No real timers, no sleeps: a minute of chat takes
 * milliseconds.
 */
import type { RelayContactInfo } from '@udpchat/server';
import { Bus } from './bus.js';
import { SIM_EPOCH_MS, VirtualClock } from './clock.js';
import { SimNode } from './node.js';
import { Random } from './random.js';
import { Records } from './records.js';
import { SimRelay } from './relay.js';
import type { Action, Scenario } from './scenario.js';

/** How long a client may stay registering while the relay holds its registration, ms (a lost welcome is retried within 1 s). */
const STUCK_MS = 5000;
/** Hellos that must have reached the relay, unanswered, in a STUCK_MS episode for it to be a violation. */
const STUCK_HELLOS = 2;

/** The relay's port on the bus; clients get ports from 40000 up. */
export const RELAY_PORT = 8081;

/** nanoid's alphabet (URL-safe, 64 characters): the ids a real client makes. */
const ID_ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict';

/** A message id as a real client makes one (21 characters of nanoid's alphabet), drawn from `random`. */
function messageId(random: Random): string {
  let id = '';
  for (let i = 0; i < 21; i++) id += ID_ALPHABET[Math.floor(random.float() * 64)];
  return id;
}

/** A conversation epoch (a nonzero u32, as `randomEpoch` of the client draws), from `random`. */
function epoch(random: Random): number {
  let e = 0;
  while (e === 0) e = Math.floor(random.float() * 0x1_0000_0000);
  return e;
}

export class World {
  readonly clock = new VirtualClock();
  readonly records = new Records(() => this.clock.elapsed());
  readonly bus: Bus;
  /** The first relay (the only one unless the scenario has `relays`). */
  readonly relay: SimRelay;
  /** Every relay, on ports RELAY_PORT, RELAY_PORT + 1, … */
  readonly relays: SimRelay[];
  readonly nodes = new Map<string, SimNode>();
  /** The nodes in the order of `nodes` (iterated at each step: an array costs no iterator). */
  private readonly nodeList: SimNode[] = [];
  private nextPort = 40_000;
  private readonly actions: Action[];
  private nextAction = 0;
  /** Steps taken, and those that found a deadline that did not move (a core asking to be polled again at once). */
  steps = 0;
  spins = 0;

  constructor(readonly scenario: Scenario) {
    const random = new Random(scenario.seed);
    random.fork(); // the scenario's own streams
    random.fork();
    this.bus = new Bus(this.clock, random.fork());
    const ids = random.fork(); // message ids and conversation epochs: a replay has the same ones
    const relaysAt = Array.from({ length: Math.max(1, scenario.relays ?? 1) }, (_, i) => ({ address: '127.0.0.1', port: RELAY_PORT + i }));
    this.relays = relaysAt.map((at, i) => new SimRelay(at, this.bus, this.clock, this.records, scenario.relay, i));
    this.relay = this.relays[0] as SimRelay;
    for (const c of scenario.clients) {
      const wiring = { bus: this.bus, clock: this.clock, records: this.records, relays: relaysAt, newPort: () => this.nextPort++, newId: () => messageId(ids), newEpoch: () => epoch(ids) };
      const node = new SimNode(c.name, wiring, c.link, { delivery: { holdMs: c.holdMs } });
      this.nodes.set(c.name, node);
      this.nodeList.push(node);
    }
    this.actions = scenario.actions;
    for (const relay of this.relays) relay.start();
  }

  /** The node named `name`. @throws Error for a name not in the scenario. */
  node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no client ${name} in this scenario`);
    return node;
  }

  /** Relay `index` (default 0). @throws Error for one the scenario does not have. */
  relayOf(index = 0): SimRelay {
    const relay = this.relays[index];
    if (!relay) throw new Error(`no relay ${index} in this scenario`);
    return relay;
  }

  /** Whether every scripted action ran. */
  get scriptDone(): boolean {
    return this.nextAction >= this.actions.length;
  }

  /**
   * Whether nothing more will change: the script ran, every running node has
   * no own message pending and holds nothing back.
   */
  quiescent(): boolean {
    if (!this.scriptDone) return false;
    for (const node of this.nodes.values()) {
      const core = node.client;
      if (!core) continue;
      const sizes = core.deliverySizes;
      if (sizes.pending > 0 || sizes.held > 0) return false;
    }
    return true;
  }

  /** When the next thing happens, in ms of virtual time (absolute). */
  nextAt(): number {
    const action = this.actions[this.nextAction];
    let t = action ? SIM_EPOCH_MS + action.at : Number.POSITIVE_INFINITY;
    t = Math.min(t, this.bus.nextAt());
    for (const relay of this.relays) t = Math.min(t, relay.nextDeadline());
    for (const node of this.nodeList) t = Math.min(t, node.nextDeadline());
    return t;
  }

  /** Jumps to the next thing that happens (at most to `limit`, absolute ms) and runs all that is due then. */
  step(limit = Number.POSITIVE_INFINITY): void {
    this.steps++;
    const now = this.clock.now();
    let t = Math.min(this.nextAt(), limit);
    if (t <= now) {
      // Something due now asked to run again now: let one millisecond pass, so time always moves.
      this.spins++;
      t = now + 1;
    }
    this.clock.advanceTo(t);
    this.bus.deliverDue();
    for (let a = this.actions[this.nextAction]; a && SIM_EPOCH_MS + a.at <= this.clock.now(); a = this.actions[this.nextAction]) {
      this.nextAction++;
      this.perform(a);
    }
    let swept = false;
    for (const relay of this.relays) swept = relay.poll() || swept;
    if (swept) this.watch();
    for (const node of this.nodeList) node.poll();
  }

  /** Since when (ms) each node is registering while the relay holds its registration at its address. */
  private readonly stuckSince = new Map<string, number>();

  /**
   * Checks, at each relay sweep, what must hold while the run goes: a client
   * is not left registering while the relay has it registered at its own
   * address (its hellos without a token are then dropped as forged,
   * PROTOCOL.md §6.1, until the registration expires). A violation: STUCK_MS
   * of that, in which at least STUCK_HELLOS of its hellos reached the relay
   * and the relay sent it no welcome. (Hellos or welcomes all lost on a very
   * lossy link — seen: five round trips in a row at 27 % loss, seed 729 at
   * the CLI's size — are the network's doing, not a deadlock.)
   */
  private watch(): void {
    const contactsOf = new Map<number, RelayContactInfo[]>(); // each relay's snapshot, taken once per sweep
    for (const node of this.nodes.values()) {
      const core = node.client;
      const on = (server: number): RelayContactInfo[] => {
        let contacts = contactsOf.get(server);
        if (!contacts) contactsOf.set(server, (contacts = this.relays[server]?.relay?.contacts() ?? []));
        return contacts;
      };
      const held = core?.registration === 'registering' && on(core.server).some((c) => c.port === node.address.port && c.name === node.name); // on the relay it is on
      const since = this.stuckSince.get(node.name);
      const relay = this.relays[core?.server ?? 0];
      if (!held) {
        if (since !== undefined) for (const r of this.relays) r.tallies.delete(node.address.port);
        this.stuckSince.delete(node.name);
        continue;
      }
      if (since === undefined) {
        this.stuckSince.set(node.name, this.clock.now());
        relay?.tallies.set(node.address.port, { hellosIn: 0, welcomesOut: 0 });
        continue;
      }
      const tally = relay?.tallies.get(node.address.port);
      const unanswered = tally !== undefined && tally.hellosIn >= STUCK_HELLOS && tally.welcomesOut === 0;
      if (this.clock.now() - since >= STUCK_MS && since >= 0 && unanswered) {
        this.records.watched.push(`${node.label} stuck registering for ${STUCK_MS / 1000} s while the relay holds its registration (from t=${((since - SIM_EPOCH_MS) / 1000).toFixed(3)}s)`);
        this.stuckSince.set(node.name, -1); // reported once per episode
      }
    }
  }

  /**
   * Steps until `done()` holds or `forMs` of virtual time passed.
   * @returns whether `done()` held.
   */
  runUntil(done: () => boolean, forMs: number): boolean {
    const limit = this.clock.now() + forMs;
    while (!done()) {
      if (this.clock.now() >= limit) return false;
      this.step(limit);
    }
    return true;
  }

  /**
   * Runs the scenario to quiescence, then `settleMs` more for stray copies in
   * flight; when one of them was taken (e.g. held by a client that joined
   * after its predecessor was sent: it waits out the hold timeout), runs to
   * quiescence again. All within the scenario's time limit.
   */
  run(settleMs = 3000): { quiescent: boolean } {
    const limit = SIM_EPOCH_MS + this.scenario.limitMs;
    for (;;) {
      if (!this.runUntil(() => this.quiescent(), limit - this.clock.now())) return { quiescent: false };
      this.runUntil(() => false, Math.min(settleMs, limit - this.clock.now()));
      if (this.quiescent()) return { quiescent: true };
      if (this.clock.now() >= limit) return { quiescent: false };
    }
  }

  /** Runs one scripted action. */
  perform(a: Action): void {
    switch (a.kind) {
      case 'start':
      case 'restart':
        return this.node(a.client).start();
      case 'close':
        return this.node(a.client).close();
      case 'crash':
        return this.node(a.client).crash();
      case 'type':
        this.node(a.client).type(a.to, a.text);
        return;
      case 'rename':
        return this.node(a.client).rename(a.name);
      case 'partition': {
        const node = this.node(a.client);
        this.bus.partition(node.address, this.clock.now() + a.forMs);
        this.records.note(`${node.label} cut off for ${a.forMs} ms`);
        return;
      }
      case 'relay-crash':
        return this.relayOf(a.relay).crash();
      case 'relay-bye':
        return this.relayOf(a.relay).stopGracefully();
      case 'relay-start':
        return this.relayOf(a.relay).start();
    }
  }
}
