/**
 * Snapshots in parts (CLUSTER.md §3 "snapshot"): a relay's users are sent
 * as `snapshot` messages of at most SNAPSHOT_PART_USERS users each (`part`
 * 0 … `parts` − 1), so that a full relay (10,000 users with keys, ~700 KB
 * of JSON) stays far below NATS's 1 MB message limit; the receiver applies
 * a snapshot only once it has every part of it (same instance and seq).
 */
import type { ControlMessage, SnapshotUser } from './messages.js';

/** Most users in one `snapshot` message (about 70 KB of JSON with keys). */
export const SNAPSHOT_PART_USERS = 1000;

type Snapshot = Extract<ControlMessage, { t: 'snapshot' }>;

/** `users` as the parts of one snapshot of `relay` (`instance`) at change `seq`: at least one part, even with no user. */
export function snapshotParts(relay: string, instance: string, seq: number, users: readonly SnapshotUser[]): Snapshot[] {
  const parts = Math.max(1, Math.ceil(users.length / SNAPSHOT_PART_USERS));
  const out: Snapshot[] = [];
  for (let part = 0; part < parts; part++) {
    const slice = users.slice(part * SNAPSHOT_PART_USERS, (part + 1) * SNAPSHOT_PART_USERS);
    out.push(parts === 1 ? { t: 'snapshot', relay, instance, seq, users: slice } : { t: 'snapshot', relay, instance, seq, users: slice, part, parts });
  }
  return out;
}

/** Collects the parts of the snapshots of each relay. */
export class SnapshotAssembler {
  private readonly pending = new Map<string, { instance: string; seq: number; parts: number; got: Map<number, readonly SnapshotUser[]> }>();

  /**
   * Takes one part.
   * @returns every user of the snapshot once all its parts are in (then forgotten), else undefined.
   *   A part of another snapshot of the same relay (another seq or instance) starts that one afresh.
   */
  add(m: Snapshot): readonly SnapshotUser[] | undefined {
    const parts = m.parts ?? 1;
    const part = m.part ?? 0;
    if (parts === 1) {
      this.pending.delete(m.relay);
      return m.users;
    }
    let p = this.pending.get(m.relay);
    if (p === undefined || p.instance !== m.instance || p.seq !== m.seq || p.parts !== parts) {
      p = { instance: m.instance, seq: m.seq, parts, got: new Map() };
      this.pending.set(m.relay, p);
    }
    p.got.set(part, m.users);
    if (p.got.size < parts) return undefined;
    this.pending.delete(m.relay);
    const users: SnapshotUser[] = [];
    for (let i = 0; i < parts; i++) users.push(...(p.got.get(i) ?? []));
    return users;
  }
}
