/**
 * A simulated client: a `ClientCore` (the client's real protocol logic)
 * wired to the bus. It encodes what the core transmits, decodes what arrives
 * (dropping what does not decode, as the real transport does), feeds the
 * core the virtual time, and records what the user would see: messages shown
 * (`chat` events) and the delivery states of its own (`delivery` events).
 * It can close (bye), crash (gone without a word) and restart (a new core
 * with the same name on a new port). Given several relays, its core fails
 * over between them (client core failover.ts); like the real transport, it
 * takes datagrams only from the relay in use.
 */
import { decodeDatagram, encode, nameKey } from '@udpchat/protocol';
import { ClientCore } from '#client/net/core/clientCore.js';
import type { CoreOptions } from '#client/net/core/options.js';
import type { Transmit } from '#client/net/core/types.js';
import { CLEAN_LINK, type Address, type Bus, type LinkFaults } from './bus.js';
import type { VirtualClock } from './clock.js';
import type { Records } from './records.js';

/** How a node is wired: the world it lives in. */
export interface NodeWorld {
  bus: Bus;
  clock: VirtualClock;
  records: Records;
  /** The relays' endpoints: the client's server list, in order (one, or several for fail-over). */
  relays: readonly Address[];
  /** A fresh port for a new incarnation. */
  newPort(): number;
  /** The id of a new message (drawn from the run's seed: a replay has the same ids). */
  newId(): string;
  /** The epoch of a new conversation, a nonzero u32 (drawn from the run's seed). */
  newEpoch(): number;
}

/** Life of a node: running, closed (said bye), or crashed (and maybe restarted later). */
export type NodeState = 'running' | 'closed' | 'crashed';

export class SimNode {
  private core: ClientCore | null = null;
  private current: Address;
  /** Incarnation number: 0 for the first life, +1 per restart. */
  incarnation = -1;
  state: NodeState = 'crashed';
  /** Datagrams that did not decode (dropped). */
  undecodable = 0;
  /** Datagrams from a relay other than the one in use (dropped, as the real transport does). */
  strays = 0;
  /** Name keys of the clients this life knows online: from contact lists and joins, until it sees them leave. */
  private known = new Set<string>();
  /**
   * The core's `nextDeadline()` as of the end of the last `flush` (+Infinity when not running). The core is a
   * state machine that only this node drives, and every call into it ends with a `flush`: until the next one,
   * its deadline cannot change, and the world asks for it twice per step.
   */
  private deadline = Number.POSITIVE_INFINITY;

  /**
   * @param name the name it registers.
   * @param link the faults of its link to the relay (every incarnation's).
   * @param options core options beyond the name (timeouts, delivery tuning).
   */
  constructor(
    readonly name: string,
    private readonly world: NodeWorld,
    private readonly link: LinkFaults = CLEAN_LINK,
    private readonly options: Omit<CoreOptions, 'name'> = {},
  ) {
    this.current = { address: '127.0.0.1', port: world.newPort() };
  }

  /** Its endpoint in this incarnation. */
  get address(): Address {
    return this.current;
  }

  /** The core of this incarnation (null while crashed or closed). */
  get client(): ClientCore | null {
    return this.core;
  }

  /** Starts the first life, or a new one after a crash (new port, new core, same name). */
  start(): void {
    if (this.state === 'running') return;
    if (this.incarnation >= 0) this.current = { address: '127.0.0.1', port: this.world.newPort() };
    this.incarnation++;
    this.state = 'running';
    this.known = new Set();
    const servers = this.world.relays.length > 1 ? this.world.relays.map((r) => `${r.address}:${r.port}`) : undefined;
    const delivery = { newId: this.world.newId, newEpoch: this.world.newEpoch, ...this.options.delivery };
    const core = new ClientCore({ ...this.options, delivery, name: this.name, servers });
    this.core = core;
    this.world.bus.setLink(this.current, this.link);
    this.world.bus.attach(this.current, (bytes, from) => this.receive(core, bytes, from));
    this.world.records.lives.push({ name: this.name, incarnation: this.incarnation, start: this.world.clock.elapsed(), registeredAt: null, end: null, how: null });
    this.world.records.note(`${this.label} starts on port ${this.current.port}`);
    core.start(this.world.clock.now());
    this.flush(core);
  }

  /** `name#incarnation`, for the trace. */
  get label(): string {
    return `${this.name}#${this.incarnation}`;
  }

  /**
   * The user types `text` to `to` (a name or `all`).
   * @returns false when the core refused it (SendError) or the node is not running.
   */
  type(to: string, text: string): boolean {
    const core = this.core;
    if (!core) return false;
    const now = this.world.clock.now();
    try {
      const m = core.send(to, text, now);
      this.world.records.addTyped({
        sender: this.name,
        incarnation: this.incarnation,
        to,
        text,
        id: m.id,
        seq: m.seq,
        at: this.world.clock.elapsed(),
        states: [],
        reach: [...this.known],
        senderGone: null,
      });
    } catch (err) {
      this.world.records.note(`${this.label} send refused: ${(err as Error).message}`);
      return false;
    } finally {
      this.flush(core);
    }
    return true;
  }

  /** Asks the core to register under another name (a /nick). */
  rename(name: string): void {
    const core = this.core;
    if (!core) return;
    core.rename(name, this.world.clock.now());
    this.flush(core);
  }

  /** When the core must be polled next, in ms (+Infinity when not running). */
  nextDeadline(): number {
    return this.deadline;
  }

  /** Polls the core if its deadline has come. */
  poll(): void {
    const core = this.core;
    if (!core) return;
    const now = this.world.clock.now();
    if (this.deadline > now) return;
    core.poll(now);
    this.flush(core);
  }

  /** The user quits: the last acks and the bye go out, then the node is gone. */
  close(): void {
    const core = this.core;
    if (!core) return;
    this.send(core.close());
    this.end('closed', 'close');
  }

  /** The process dies: nothing more is sent, what arrives is lost. */
  crash(): void {
    if (!this.core) return;
    this.end('crashed', 'crash');
  }

  private end(state: NodeState, why: 'crash' | 'close'): void {
    this.world.bus.detach(this.current);
    this.core = null;
    this.deadline = Number.POSITIVE_INFINITY;
    this.state = state;
    for (const t of this.world.records.typed) if (t.sender === this.name && t.incarnation === this.incarnation) t.senderGone ??= why;
    const life = this.world.records.lives.find((l) => l.name === this.name && l.incarnation === this.incarnation);
    if (life) {
      life.end = this.world.clock.elapsed();
      life.how = why;
    }
    this.world.records.note(`${this.label} ${state}`);
  }

  private receive(core: ClientCore, bytes: Uint8Array, from: Address): void {
    if (core !== this.core) return;
    const relay = this.world.relays[core.server];
    if (relay && (from.port !== relay.port || from.address !== relay.address)) {
      this.strays++;
      return;
    }
    let message;
    try {
      message = decodeDatagram(bytes).message;
    } catch {
      this.undecodable++;
      return;
    }
    core.handle(message, this.world.clock.now());
    this.flush(core);
  }

  private send(transmits: Transmit[]): void {
    for (const t of transmits) this.world.bus.send(this.current, this.world.relays[t.server] ?? (this.world.relays[0] as Address), encode(t.message, { token: t.token }));
  }

  /** Sends what the core queued and records what it reported. */
  private flush(core: ClientCore): void {
    const { transmits, events } = core.take();
    if (core === this.core) this.deadline = core.nextDeadline();
    this.send(transmits);
    const records = this.world.records;
    for (const e of events) {
      switch (e.type) {
        case 'chat': {
          const [m] = e.args;
          records.addShown({ viewer: this.name, incarnation: this.incarnation, from: m.from, to: m.to, text: m.text, id: m.id, seq: m.seq, at: this.world.clock.elapsed() });
          break;
        }
        case 'delivery': {
          const [m, state] = e.args;
          records.byId.get(m.id)?.states.push(state);
          break;
        }
        case 'relay-error':
          records.addRelayError(e.args[0].code);
          break;
        case 'contacts':
          for (const c of e.args[0]) if (c.type === 'client') this.known.add(nameKey(c.name));
          break;
        case 'join':
          if (e.args[0].type === 'client') this.known.add(nameKey(e.args[0].name));
          break;
        case 'leave':
          this.known.delete(nameKey(e.args[0]));
          records.leaves.push({ viewer: this.name, incarnation: this.incarnation, name: e.args[0], reason: e.args[1], at: this.world.clock.elapsed() });
          break;
        case 'registered': {
          const life = records.lives.find((l) => l.name === this.name && l.incarnation === this.incarnation);
          if (life) life.registeredAt ??= this.world.clock.elapsed();
          records.note(`${this.label} registered as ${e.args[0].name}`);
          break;
        }
          break;
        case 'relay-bye':
          records.note(`${this.label} got the relay's bye`);
          break;
        case 'moved':
          records.moves.push({ name: this.name, incarnation: this.incarnation, ...e.args[0], at: this.world.clock.elapsed() });
          records.note(`${this.label} moved to ${e.args[0].to} (${e.args[0].reason})`);
          break;
        default:
          break;
      }
    }
  }
}
