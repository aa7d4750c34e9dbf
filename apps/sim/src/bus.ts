/**
 * The in-memory datagram bus: endpoints (127.0.0.1:port) exchange datagrams
 * that are lost, duplicated, reordered and delayed per link, and cut off by
 * partitions, every choice drawn from the run's seeded `Random`, and every
 * delivery scheduled on the virtual clock. Like UDP: no connection, no
 * order, no guarantee; a datagram to an endpoint nobody listens on is gone.
 */
import type { VirtualClock } from './clock.js';
import { TimedQueue } from './queue.js';
import type { Random } from './random.js';

/** An endpoint on the bus. */
export interface Address {
  address: string;
  port: number;
}

/** What a link does to the datagrams through it: rates 0 to 1, times in ms. */
export interface LinkFaults {
  /** Probability that a datagram is lost. */
  loss: number;
  /** Probability that a datagram arrives twice (the copy with its own delay). */
  duplicate: number;
  /** Probability that a datagram is held back by up to `reorderMs` more (so later ones overtake it). */
  reorder: number;
  /** Fixed one-way delay, ms. */
  delayMs: number;
  /** Random extra delay, uniform in [0, jitterMs), ms. */
  jitterMs: number;
  /** Largest extra delay of a reordered datagram, ms. */
  reorderMs: number;
}

/** A perfect link: nothing lost, 1 ms. */
export const CLEAN_LINK: LinkFaults = { loss: 0, duplicate: 0, reorder: 0, delayMs: 1, jitterMs: 0, reorderMs: 0 };

/** Called with each datagram delivered to an endpoint. */
export type Receiver = (bytes: Uint8Array, from: Address) => void;

/** Counters of the bus. */
export interface BusStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Dropped by a partition (at send or at delivery). */
  partitioned: number;
  /** Arrived where nobody listens (a crashed node, a relay down). */
  undeliverable: number;
}

interface InFlight {
  bytes: Uint8Array;
  from: Address;
  to: Address;
}

export class Bus {
  private readonly receivers = new Map<number, Receiver>();
  private readonly links = new Map<number, LinkFaults>();
  /** Port -> until when (ms) it is cut off. */
  private readonly partitions = new Map<number, number>();
  private readonly queue = new TimedQueue<InFlight>();
  readonly stats: BusStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, partitioned: 0, undeliverable: 0 };

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: Random,
  ) {}

  /** Starts delivering datagrams for `at` to `receiver` (replacing any). */
  attach(at: Address, receiver: Receiver): void {
    this.receivers.set(at.port, receiver);
  }

  /** Stops delivering to `at`: what arrives for it from now on is lost. */
  detach(at: Address): void {
    this.receivers.delete(at.port);
  }

  /** Sets the faults of `at`'s link (applied to every datagram it sends or receives). */
  setLink(at: Address, faults: LinkFaults): void {
    this.links.set(at.port, faults);
  }

  /** Cuts `at` off until `until` (ms): everything to or from it is dropped meanwhile. */
  partition(at: Address, until: number): void {
    this.partitions.set(at.port, Math.max(until, this.partitions.get(at.port) ?? 0));
  }

  /** Whether `at` is cut off now. */
  isPartitioned(at: Address): boolean {
    return (this.partitions.get(at.port) ?? 0) > this.clock.now();
  }

  /** Sends one datagram; its fate (loss, copies, delay) is drawn now. */
  send(from: Address, to: Address, bytes: Uint8Array): void {
    this.stats.sent++;
    if (this.isPartitioned(from) || this.isPartitioned(to)) {
      this.stats.partitioned++;
      return;
    }
    const a = this.links.get(from.port) ?? CLEAN_LINK;
    const b = this.links.get(to.port) ?? CLEAN_LINK;
    if (this.random.chance(a.loss) || this.random.chance(b.loss)) {
      this.stats.lost++;
      return;
    }
    const copies = this.random.chance(a.duplicate) || this.random.chance(b.duplicate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = this.delayOf(a) + this.delayOf(b);
      if (this.random.chance(Math.max(a.reorder, b.reorder))) {
        this.stats.reordered++;
        delay += this.random.between(0, Math.max(a.reorderMs, b.reorderMs));
      }
      this.queue.push(this.clock.now() + delay, { bytes, from, to });
    }
  }

  /** When the next datagram arrives, in ms (+Infinity: none in flight). */
  nextAt(): number {
    return this.queue.nextAt();
  }

  /** Datagrams in flight. */
  get inFlight(): number {
    return this.queue.size;
  }

  /** Delivers every datagram due by now, in order of arrival. */
  deliverDue(): void {
    const now = this.clock.now();
    for (let d = this.queue.popDue(now); d; d = this.queue.popDue(now)) {
      if (this.isPartitioned(d.from) || this.isPartitioned(d.to)) {
        this.stats.partitioned++;
        continue;
      }
      const receiver = this.receivers.get(d.to.port);
      if (!receiver) {
        this.stats.undeliverable++;
        continue;
      }
      this.stats.delivered++;
      receiver(d.bytes, d.from);
    }
  }

  private delayOf(link: LinkFaults): number {
    return link.delayMs + (link.jitterMs > 0 ? this.random.between(0, link.jitterMs) : 0);
  }
}
