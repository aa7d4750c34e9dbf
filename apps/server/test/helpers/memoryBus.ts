/**
 * Relay cores in one cluster over an in-memory bus, on a virtual clock
 * (deterministic: no NATS, no timers). Each relay is a CoreDriver (a relay
 * core with a recording sink) with a cluster core attached; the bus queues
 * what they publish and `run()` delivers it, in order, to every subscriber
 * but the publisher (NATS's `noEcho`). `cut(id)` plays a relay whose NATS
 * link died: nothing it publishes arrives, nothing reaches it.
 */
import { pino } from 'pino';
import { createClusterCore, type ClusterCore } from '../../src/cluster/clusterCore.js';
import { clusterSubjects } from '../../src/cluster/options.js';
import { CoreDriver } from './core.js';
import type { LogLine } from './relay.js';

/** One relay of the bus. */
export interface BusRelay {
  readonly id: string;
  readonly driver: CoreDriver;
  readonly cluster: ClusterCore;
  readonly logs: LogLine[];
}

export class MemoryBus {
  readonly relays = new Map<string, BusRelay>();
  /** Everything published, in order (also what was cut). */
  readonly published: Array<{ from: string; subject: string; data: Uint8Array }> = [];
  private readonly queue: Array<{ from: string; subject: string; data: Uint8Array }> = [];
  private readonly cutOff = new Set<string>();
  /** Drops the next message for which this holds (once), for loss tests. */
  dropNext: ((m: { from: string; subject: string; data: Uint8Array }) => boolean) | undefined;
  /** Virtual time, ms (every relay's clock). */
  t = 0;
  readonly subjects = clusterSubjects('t');

  /** Adds relay `id` (heartbeat 100 ms, down after 500 ms, grace 1.5 s) and connects it. */
  add(id: string): BusRelay {
    const logs: LogLine[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    const cluster = createClusterCore({
      relayId: id,
      instance: `i-${id}`,
      subjects: this.subjects,
      heartbeatMs: 100,
      downAfterMs: 500,
      graceMs: 1500,
      now: () => this.t,
      log,
      bus: { publish: (subject, data) => this.publish(id, subject, data) },
    });
    const driver = new CoreDriver({ fastPath: true, cluster: (ctx) => cluster.attach(ctx) });
    const relay: BusRelay = { id, driver, cluster, logs };
    this.relays.set(id, relay);
    cluster.connected();
    return relay;
  }

  private publish(from: string, subject: string, data: Uint8Array): void {
    const m = { from, subject, data: Uint8Array.from(data) };
    this.published.push(m);
    if (this.dropNext?.(m)) {
      this.dropNext = undefined;
      return;
    }
    this.queue.push(m);
  }

  /** Relay `id`'s NATS link is dead (true) or back (false). */
  cut(id: string, dead = true): void {
    if (dead) this.cutOff.add(id);
    else this.cutOff.delete(id);
  }

  /** Delivers everything queued (and what that publishes) to the subscribers. */
  run(): void {
    for (const r of this.relays.values()) r.driver.t = this.t;
    for (let guard = 0; this.queue.length > 0 && guard < 100_000; guard++) {
      const m = this.queue.shift() as { from: string; subject: string; data: Uint8Array };
      if (this.cutOff.has(m.from)) continue;
      for (const r of this.relays.values()) {
        if (r.id === m.from || this.cutOff.has(r.id)) continue;
        if (m.subject === this.subjects.presence || m.subject === this.subjects.group || m.subject === this.subjects.relay(r.id)) {
          r.cluster.receive(m.subject, m.data);
        }
      }
    }
  }

  /** Moves the clock on by `ms` in steps of 50 ms, ticking every relay and its cluster and delivering, as the drivers' timers would. */
  advance(ms: number): void {
    for (let done = 0; done < ms; done += 50) {
      this.t += Math.min(50, ms - done);
      for (const r of this.relays.values()) {
        r.driver.t = this.t;
        r.cluster.tick(); // a cut relay still ticks: it hears nothing and nobody hears it
        r.driver.core.sweep();
      }
      this.run();
    }
  }
}
