/**
 * What a relay knows of the other relays of its cluster (CLUSTER.md
 * "Relay failure"): when each was last heard, whether it is up, which of
 * its presence changes was applied last (`seq`) and whether its snapshot
 * is needed. Pure state and rules over a clock given by the caller.
 */

/** One other relay. */
export interface Peer {
  readonly id: string;
  /** Its process's random id (a restart changes it). */
  instance: string;
  /** When it was last heard (any message), ms of the cluster clock. */
  lastHeard: number;
  /** Up: heard within `downAfterMs`, and not stopped. */
  up: boolean;
  /** Its last presence change applied here. */
  seq: number;
  /** Whether its users here are its snapshot plus every change since (false: a snapshot is needed). */
  synced: boolean;
  /** When its snapshot was last asked for (NEGATIVE_INFINITY: never). */
  syncAskedAt: number;
}

/** What hearing from a relay changed. */
export type Heard = 'new' | 'restarted' | 'back' | 'same';

export class PeerTable {
  private readonly peers = new Map<string, Peer>();

  /** Every peer known, up or not. */
  all(): Peer[] {
    return [...this.peers.values()];
  }

  /** The peer `id`, if known. */
  get(id: string): Peer | undefined {
    return this.peers.get(id);
  }

  /** Peers up now. */
  get upCount(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.up) n++;
    return n;
  }

  /**
   * `id` (process `instance`) was heard at `now`.
   * @returns `new` (first time), `restarted` (another instance: its old users are moving, its
   *   changes start again), `back` (it was down or stopped), or `same`; with the peer.
   */
  heard(id: string, instance: string, now: number): { peer: Peer; change: Heard } {
    let peer = this.peers.get(id);
    if (peer === undefined) {
      peer = { id, instance, lastHeard: now, up: true, seq: 0, synced: false, syncAskedAt: Number.NEGATIVE_INFINITY };
      this.peers.set(id, peer);
      return { peer, change: 'new' };
    }
    peer.lastHeard = now;
    if (peer.instance !== instance) {
      peer.instance = instance;
      peer.up = true;
      peer.seq = 0;
      peer.synced = false;
      return { peer, change: 'restarted' };
    }
    if (!peer.up) {
      peer.up = true;
      peer.synced = false;
      return { peer, change: 'back' };
    }
    return { peer, change: 'same' };
  }

  /** `id` said it stops (`moving`): down at once, until heard again. */
  stopped(id: string): Peer | undefined {
    const peer = this.peers.get(id);
    if (peer !== undefined) {
      peer.up = false;
      peer.synced = false;
    }
    return peer;
  }

  /** The peers up and not heard for longer than `downAfterMs` at `now`: marked down and returned. */
  silent(now: number, downAfterMs: number): Peer[] {
    const down: Peer[] = [];
    for (const p of this.peers.values()) {
      if (p.up && now - p.lastHeard > downAfterMs) {
        p.up = false;
        p.synced = false;
        down.push(p);
      }
    }
    return down;
  }

  /** Every peer is to be synced again (this relay's NATS connection came back: changes may have been missed). */
  unsyncAll(): void {
    for (const p of this.peers.values()) p.synced = false;
  }
}
