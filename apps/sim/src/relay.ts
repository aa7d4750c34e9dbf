/**
 * The simulated relay: the relay's real core (`createRelayCore` of
 * @udpchat/server) on the bus and the virtual clock, swept every
 * `sweepIntervalMs` of virtual time. It can crash (the core is dropped
 * without a word: its table is gone) and come back (a new core on the same
 * address), or restart gracefully (a bye to every client first). Its store
 * (name bindings, offline messages: the real SQLite one, in memory) is its
 * disk: it outlives crashes, as a relay's file does.
 */
import { tryDecodeDatagram } from '@udpchat/protocol';
import { createRelayCore, openMemoryStore, type RelayCore, type RelayCoreOptions, type RelayStore } from '@udpchat/server';
import { pino, type Logger } from 'pino';
import type { Address, Bus } from './bus.js';
import type { VirtualClock } from './clock.js';
import type { Records } from './records.js';

const shared: RelayStore[] = [];
/**
 * The store of simulated relay `index` (0 for the first; independent relays
 * of a fail-over scenario have their own): one real SQLite store in memory
 * per index for the whole process (opening one costs ~4 ms, a run ~40 ms),
 * emptied for each run — every binding released, and with it what was stored
 * for it — so runs stay independent and deterministic.
 */
function emptyStore(index: number): RelayStore {
  const store = (shared[index] ??= openMemoryStore());
  for (const b of store.bindings()) store.release(b.key);
  return store;
}

/** One logger that writes nothing, for every relay core of the process. */
const SILENT: Logger = pino({ level: 'silent' }, { write: () => undefined });

/** What a watched address sent to the relay and got back (World.watch: a client stuck registering). */
export interface HelloTally {
  /** Hellos from the address that reached the relay. */
  hellosIn: number;
  /** Welcomes the relay sent to the address. */
  welcomesOut: number;
}

/** Relay settings the scenario may change (the rest are the relay's defaults). */
export interface SimRelayOptions {
  /** Datagrams/s per source address, 0 = no limit (default 200, the relay's default). */
  rateLimit?: number;
  /** Presence timeout, ms (default 15 000). */
  presenceTimeoutMs?: number;
  /** Heartbeat interval told to clients, ms (default 5000). */
  heartbeatIntervalMs?: number;
  /** How often the core is swept, ms (default 1000). */
  sweepIntervalMs?: number;
}

export class SimRelay {
  private core: RelayCore | null = null;
  private nextSweep = Number.POSITIVE_INFINITY;
  private readonly sweepMs: number;
  /** Lives so far (1 after the first start). */
  lives = 0;
  /** The relay's store, kept across crashes and restarts (its "disk"). */
  readonly store: RelayStore;
  /** Ports whose hellos and welcomes are counted (only these are decoded: the others cost nothing). */
  readonly tallies = new Map<number, HelloTally>();

  constructor(
    readonly address: Address,
    private readonly bus: Bus,
    private readonly clock: VirtualClock,
    private readonly records: Records,
    private readonly options: SimRelayOptions = {},
    /** Which relay of the world this is (0: the first): its store is its own. */
    index = 0,
  ) {
    this.sweepMs = options.sweepIntervalMs ?? 1000;
    this.store = emptyStore(index);
  }

  /** Whether a core is running. */
  get up(): boolean {
    return this.core !== null;
  }

  /** The running core (null while down). */
  get relay(): RelayCore | null {
    return this.core;
  }

  /** Starts a new core on the relay's address (an empty table). */
  start(): void {
    if (this.core) return;
    const options: RelayCoreOptions = {
      address: { address: this.address.address, port: this.address.port, family: 'IPv4' },
      out: {
        send: (bytes, port, address, done) => {
          const tally = this.tallies.get(port);
          if (tally && kindOf(bytes) === 'welcome') tally.welcomesOut++;
          this.bus.send(this.address, { address, port }, bytes);
          done?.(null);
        },
      },
      now: () => this.clock.now(),
      wallClock: () => this.clock.now(),
      logger: SILENT,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 5000,
      presenceTimeoutMs: this.options.presenceTimeoutMs ?? 15_000,
      plainPeers: true,
      plainPeerTimeoutMs: 300_000,
      rateLimit: this.options.rateLimit ?? 200,
      maxContacts: 10_000,
      maxPerIp: 64,
      maxPending: 10_000,
      secret: undefined,
      hostedByClient: false,
      store: this.store,
    };
    const core = createRelayCore(options);
    this.core = core;
    this.lives++;
    this.bus.attach(this.address, (bytes, from) => {
      if (this.core !== core) return;
      const tally = this.tallies.get(from.port);
      if (tally && kindOf(bytes) === 'hello') tally.hellosIn++;
      core.receive(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { address: from.address, port: from.port, family: 'IPv4', size: bytes.byteLength });
    });
    this.nextSweep = this.clock.now() + this.sweepMs;
    this.records.note(`relay starts (life ${this.lives})`);
  }

  /** The relay process dies: its table is gone, nobody is told. */
  crash(): void {
    if (!this.core) return;
    this.stop();
    this.records.note('relay crashed');
  }

  /** A graceful stop: bye to every client, then down. */
  stopGracefully(): void {
    const core = this.core;
    if (!core) return;
    // The byes go out synchronously (the sink sends at once and calls back at once).
    void core.sayBye('relay restarting', 0);
    this.stop();
    this.records.note('relay stopped gracefully (bye to all)');
  }

  /** When the next sweep, or the core's next deadline (a held relay-ack), is due, in ms (+Infinity while down). */
  nextDeadline(): number {
    return Math.min(this.nextSweep, this.core?.nextDeadline() ?? Number.POSITIVE_INFINITY);
  }

  /** Sends the core's due relay-acks, and sweeps if it is time. @returns whether it swept. */
  poll(): boolean {
    const core = this.core;
    if (!core) return false;
    if (core.nextDeadline() <= this.clock.now()) core.tick();
    if (this.clock.now() < this.nextSweep) return false;
    core.sweep();
    this.nextSweep = this.clock.now() + this.sweepMs;
    return true;
  }

  /** Ends the simulation of this relay: down (its store is emptied for the next run). */
  close(): void {
    if (this.core) this.stop();
  }

  private stop(): void {
    this.bus.detach(this.address);
    this.core = null;
    this.nextSweep = Number.POSITIVE_INFINITY;
  }
}

/** The kind of a datagram, or null when it does not decode. */
function kindOf(bytes: Uint8Array): string | null {
  const decoded = tryDecodeDatagram(bytes);
  return decoded.ok ? decoded.message.kind : null;
}
